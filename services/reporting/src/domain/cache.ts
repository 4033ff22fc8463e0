/**
 * Cache-aside with one recompute per key (P05).
 *
 * A read looks up `<namespace>:<generation>:<key>`. On a hit the source (Postgres) is not
 * touched. On a miss exactly one caller recomputes:
 * - inside a container, concurrent callers of the same key share one promise
 *   (single-flight);
 * - across containers, the first caller takes a short Redis lock (SET NX PX); the others
 *   poll the value with a growing back-off and, should the holder die, compute
 *   themselves once the wait budget is spent (the lock's TTL frees the key anyway).
 *
 * Invalidation never deletes values: it starts a new generation of the namespace (a
 * fresh random id), so a recompute that read old data while the invalidation happened
 * writes under the old generation, where nobody looks any more. Old values expire by TTL.
 *
 * When the cache fails (down, timeout), the read goes straight to the source, which is
 * correct, only slower; the failure is reported (metric + log) through `telemetry`.
 */
import { randomUUID } from 'node:crypto';
import type { CacheStore } from './ports';

export type ReadSource = 'hit' | 'miss' | 'waited' | 'shared' | 'bypass';

export interface CacheTelemetry {
  read(report: string, source: ReadSource): void;
  unavailable(operation: string, error: unknown): void;
}

export interface CacheSpec {
  /** Invalidation unit: 'sales', 'customer:<id>'. */
  namespace: string;
  /** The rest of the key (parameters), unique within the namespace. */
  key: string;
  ttlMs: number;
  /** Name for metrics (the report). */
  report: string;
}

export interface ReadThroughOptions {
  lockTtlMs?: number;
  /** How long a caller that lost the lock waits for the winner's value. */
  waitBudgetMs?: number;
  firstPollMs?: number;
  maxPollMs?: number;
  /** ± this fraction of jitter on TTLs, so hot keys filled together do not expire together. */
  ttlJitter?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type ReadThrough = <T>(
  spec: CacheSpec,
  compute: () => Promise<T>,
) => Promise<{ value: T; source: ReadSource }>;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class CacheDown extends Error {
  override name = 'CacheDown';
}

export function readThrough(
  store: CacheStore,
  telemetry: CacheTelemetry,
  opts: ReadThroughOptions = {},
): ReadThrough {
  const lockTtlMs = opts.lockTtlMs ?? 3_000;
  const waitBudgetMs = opts.waitBudgetMs ?? 2_500;
  const firstPollMs = opts.firstPollMs ?? 5;
  const maxPollMs = opts.maxPollMs ?? 100;
  const jitter = opts.ttlJitter ?? 0.1;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const inflight = new Map<string, Promise<unknown>>();

  /** Runs a cache operation; a failure marks the cache down for the rest of this read. */
  async function attempt<R>(operation: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (error) {
      telemetry.unavailable(operation, error);
      throw new CacheDown(operation);
    }
  }

  async function fill<T>(
    fullKey: string,
    spec: CacheSpec,
    compute: () => Promise<T>,
  ): Promise<{ value: T; source: ReadSource }> {
    const lockKey = `lock:${fullKey}`;
    const token = randomUUID();
    let locked: boolean;
    try {
      locked = await attempt('lock', () => store.tryLock(lockKey, token, lockTtlMs));
    } catch {
      return { value: await compute(), source: 'bypass' };
    }
    if (locked) {
      try {
        // Someone may have filled the key between our miss and our lock.
        const again = await store.get(fullKey).catch(() => null);
        if (again !== null) return { value: JSON.parse(again) as T, source: 'waited' };
        const value = await compute();
        const ttl = Math.max(1, Math.round(spec.ttlMs * (1 - jitter + 2 * jitter * random())));
        await attempt('set', () => store.set(fullKey, JSON.stringify(value), ttl)).catch(() => undefined);
        return { value, source: 'miss' };
      } finally {
        await store.unlock(lockKey, token).catch(() => undefined);
      }
    }
    // Another container is computing: wait for its value with a growing back-off.
    const deadline = Date.now() + waitBudgetMs;
    let pause = firstPollMs;
    while (Date.now() < deadline) {
      await sleep(pause);
      pause = Math.min(maxPollMs, pause * 2);
      let cached: string | null;
      try {
        cached = await attempt('get', () => store.get(fullKey));
      } catch {
        return { value: await compute(), source: 'bypass' };
      }
      if (cached !== null) return { value: JSON.parse(cached) as T, source: 'waited' };
    }
    // The holder is gone or very slow: answer from the source rather than fail.
    return { value: await compute(), source: 'miss' };
  }

  return async function read<T>(spec: CacheSpec, compute: () => Promise<T>) {
    let result: { value: T; source: ReadSource };
    let generation: string | undefined;
    try {
      generation = await attempt('generation', () => store.generation(spec.namespace));
    } catch {
      generation = undefined;
    }
    if (generation === undefined) {
      // Cache down: still one computation per key inside this container.
      result = await singleFlight(`bypass:${spec.namespace}:${spec.key}`, async () => ({
        value: await compute(),
        source: 'bypass' as const,
      }));
    } else {
      const fullKey = `${spec.namespace}:${generation}:${spec.key}`;
      const shared = inflight.get(fullKey) as Promise<{ value: T; source: ReadSource }> | undefined;
      if (shared) {
        result = { value: (await shared).value, source: 'shared' };
      } else {
        let cached: string | null | undefined;
        try {
          cached = await attempt('get', () => store.get(fullKey));
        } catch {
          cached = undefined;
        }
        if (typeof cached === 'string') result = { value: JSON.parse(cached) as T, source: 'hit' };
        else if (cached === undefined)
          result = await singleFlight(`bypass:${fullKey}`, async () => ({
            value: await compute(),
            source: 'bypass' as const,
          }));
        else result = await singleFlight(fullKey, () => fill(fullKey, spec, compute));
      }
    }
    telemetry.read(spec.report, result.source);
    return result;
  };

  async function singleFlight<R extends { source: ReadSource }>(
    key: string,
    run: () => Promise<R>,
  ): Promise<R> {
    const existing = inflight.get(key) as Promise<R> | undefined;
    if (existing) return { ...(await existing), source: 'shared' };
    const promise = run().finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }
}

/** A fresh generation id: random, so an expired or evicted generation can never come back. */
export function newGeneration(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}
