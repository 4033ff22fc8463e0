/**
 * Shared wiring for the handlers: one Postgres pool and one Redis connection per
 * container (P24), both created once at module scope by the handler that needs them.
 * Settings are read eagerly so a missing variable stops the cold start with a clear
 * message instead of failing the first request.
 */
import type pg from 'pg';
import { getRedis, redisUrlFromEnv } from '@order-platform/shared/cache/redis';
import { optionalEnv } from '@order-platform/shared/config';
import { getPool, pgSettingsFromEnv } from '@order-platform/shared/db/postgres';
import { readThrough, type ReadThrough } from '../domain/cache';
import type { CacheStore } from '../domain/ports';
import type { Db } from '../adapters/read-model';
import { buildRedisCacheStore, cacheTelemetry } from '../adapters/redis-cache';

export const DEFAULT_CACHE_PREFIX = 'rpt:';

/** The container's pool, created on first use (the secret is read then, once). */
export function platformDb(): Db {
  const settings = pgSettingsFromEnv();
  const pool = () => getPool(settings);
  return {
    query: (async (...args: unknown[]) =>
      (await pool()).query(...(args as [string]))) as unknown as pg.Pool['query'],
    connect: (async () => (await pool()).connect()) as pg.Pool['connect'],
  };
}

export function platformCacheStore(): CacheStore {
  return buildRedisCacheStore(
    getRedis(redisUrlFromEnv()),
    optionalEnv('CACHE_PREFIX') ?? DEFAULT_CACHE_PREFIX,
  );
}

export function platformReadThrough(store: CacheStore = platformCacheStore()): ReadThrough {
  return readThrough(store, cacheTelemetry);
}
