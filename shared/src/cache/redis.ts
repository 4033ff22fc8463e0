/**
 * One Redis connection per container, reused. Settings favour failing fast: with the
 * offline queue disabled and one retry per request, a Redis outage turns into an
 * immediate error the caller can fall back from (read-through to Postgres) instead of
 * commands queuing until the Lambda times out.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../config';

let client: Redis | undefined;

export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.REDIS_URL) throw new ConfigError('Missing required environment variable REDIS_URL');
  return env.REDIS_URL;
}

export function getRedis(url: string = redisUrlFromEnv()): Redis {
  if (client) return client;
  client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: 500,
    // Keep trying to reconnect in the background with a capped back-off.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  client.on('error', () => undefined);
  return client;
}

export async function closeRedis(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) c.disconnect();
}
