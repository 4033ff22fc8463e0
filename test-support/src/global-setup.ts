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
  // Start all three at once; if one fails, stop the others before failing the run.
  const results = await Promise.allSettled([startMoto(), startPostgres(), startRedis()]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as Engine] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((e) => e.stop()));
    throw failed.reason;
  }
  const [moto, postgres, redis] = started as [Engine, Engine, Engine];
  project.provide('motoUrl', moto.url);
  project.provide('postgresUrl', postgres.url);
  project.provide('redisUrl', redis.url);
  return async () => {
    await Promise.all(started.map((e) => e.stop()));
  };
}
