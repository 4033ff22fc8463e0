import 'vitest';
/**
 * Vitest global setup for the component layer: each engine starts once per test run,
 * shared by every test file (which isolate themselves by unique table, queue and
 * database names), and stops when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startMoto, startPostgres, startRedis, type Engine } from './engines';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
    postgresUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const started: Engine[] = [];
  try {
    const [moto, postgres, redis] = await Promise.all([startMoto(), startPostgres(), startRedis()]);
    started.push(moto, postgres, redis);
    project.provide('motoUrl', moto.url);
    project.provide('postgresUrl', postgres.url);
    project.provide('redisUrl', redis.url);
  } catch (error) {
    await Promise.all(started.map((e) => e.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(started.map((e) => e.stop()));
  };
}
