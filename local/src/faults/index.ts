export * from './injector';
export * from './profile';
export { faultsRoute } from './route';
export { deadLetterFeeds } from './feeds';
