/**
 * The cache store on Redis (ElastiCache in AWS), with every key under one prefix:
 *
 * | key                                   | value                   | TTL                    |
 * |---------------------------------------|-------------------------|------------------------|
 * | <prefix>gen:<namespace>               | random generation id    | 1 day, reset on bump   |
 * | <prefix>v1:<namespace>:<gen>:<key>    | the report as JSON      | the report's TTL ± 10% |
 * | <prefix>lock:<namespace>:<gen>:<key>  | the holder's token      | 3 s (PX)               |
 *
 * A generation that expires or is evicted is replaced by a new random one: values of the
 * old one can never be read again, so losing a generation key costs one miss, never a
 * stale answer.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import { logger, metrics } from '@order-platform/shared/observability';
import { newGeneration, type CacheTelemetry, type ReadSource } from '../domain/cache';
import type { CacheStore, ReadModelChanged } from '../domain/ports';
import { namespacesFor } from '../domain/reports';

export const GENERATION_TTL_SECONDS = 24 * 60 * 60;

const UNLOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The platform client fails fast (no offline queue), which is right during an outage but
 * wrong on a cold start: the first request would race the connection being opened at
 * init and read from Postgres for nothing. So the first command waits for the first
 * connection, a bounded time, once per container; afterwards nothing ever waits.
 */
export function firstConnection(redis: Redis, maxWaitMs = 500): () => Promise<void> {
  let settled = false;
  let waiting: Promise<void> | undefined;
  return async () => {
    if (settled || redis.status === 'ready') {
      settled = true;
      return;
    }
    waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        settled = true;
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      redis.once('ready', done);
    });
    await waiting;
  };
}

export function buildRedisCacheStore(redis: Redis, prefix: string): CacheStore {
  const genKey = (ns: string) => `${prefix}gen:${ns}`;
  const connected = firstConnection(redis);
  return {
    async generation(namespace) {
      await connected();
      const current = await redis.get(genKey(namespace));
      if (current !== null) return current;
      // Create it unless another caller just did; SET NX GET returns the winner's id.
      const fresh = newGeneration();
      const previous = (await redis.call(
        'SET',
        genKey(namespace),
        fresh,
        'EX',
        String(GENERATION_TTL_SECONDS),
        'NX',
        'GET',
      )) as string | null;
      return previous ?? fresh;
    },
    async bump(namespaces) {
      if (namespaces.length === 0) return;
      await connected();
      // A pipeline of single-key SETs, not MULTI: ElastiCache Serverless shards keys, and
      // a transaction across slots would fail (CROSSSLOT). Each bump stands on its own.
      const pipeline = redis.pipeline();
      for (const ns of namespaces) pipeline.set(genKey(ns), newGeneration(), 'EX', GENERATION_TTL_SECONDS);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('Redis pipeline returned no results');
    },
    get: (key) => redis.get(`${prefix}v1:${key}`),
    async set(key, value, ttlMs) {
      await redis.set(`${prefix}v1:${key}`, value, 'PX', ttlMs);
    },
    async tryLock(key, token, ttlMs) {
      return (await redis.set(`${prefix}${key}`, token, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async unlock(key, token) {
      await redis.eval(UNLOCK, 1, `${prefix}${key}`, token);
    },
  };
}

const METRIC_BY_SOURCE: Record<ReadSource, string> = {
  hit: 'CacheHit',
  miss: 'CacheMiss',
  waited: 'CacheWaited',
  shared: 'CacheShared',
  bypass: 'CacheBypass',
};

/** Cache outcomes as CloudWatch metrics (EMF); an outage also as a warning in the log. */
export const cacheTelemetry: CacheTelemetry = {
  read(report, source) {
    metrics.addMetric(METRIC_BY_SOURCE[source], MetricUnit.Count, 1);
    logger.debug('Report read', { report, cache: source });
  },
  unavailable(operation, error) {
    metrics.addMetric('CacheUnavailable', MetricUnit.Count, 1);
    logger.warn('Cache unavailable; answering from Postgres', { operation, error: error as Error });
  },
};

/** After a read-model change: start new generations of the namespaces it feeds. */
export function buildReadModelChanged(store: CacheStore): ReadModelChanged {
  return async (affected) => {
    await store.bump(namespacesFor(affected));
  };
}
