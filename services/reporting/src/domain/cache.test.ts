import { describe, expect, it } from 'vitest';
import { readThrough, type CacheTelemetry, type ReadSource } from './cache';
import type { CacheStore } from './ports';

/** An in-memory CacheStore fake (no TTL expiry needed here). */
function memoryStore() {
  const data = new Map<string, string>();
  let down = false;
  const guard = () => {
    if (down) throw new Error('connection refused');
  };
  let gens = 0;
  const store: CacheStore = {
    async generation(ns) {
      guard();
      const k = `gen:${ns}`;
      if (!data.has(k)) data.set(k, `g${++gens}`);
      return data.get(k)!;
    },
    async bump(nss) {
      guard();
      for (const ns of nss) data.set(`gen:${ns}`, `g${++gens}`);
    },
    async get(k) {
      guard();
      return data.get(k) ?? null;
    },
    async set(k, v) {
      guard();
      data.set(k, v);
    },
    async tryLock(k, token) {
      guard();
      if (data.has(k)) return false;
      data.set(k, token);
      return true;
    },
    async unlock(k, token) {
      if (data.get(k) === token) data.delete(k);
    },
  };
  return { store, data, setDown: (d: boolean) => (down = d) };
}

function telemetry() {
  const reads: ReadSource[] = [];
  const outages: string[] = [];
  const t: CacheTelemetry = {
    read: (_, s) => void reads.push(s),
    unavailable: (op) => void outages.push(op),
  };
  return { t, reads, outages };
}

const spec = { namespace: 'sales', key: 'daily:2026-01-01:2026-01-31', ttlMs: 60_000, report: 'DailySales' };

describe('readThrough', () => {
  it('computes on a miss, then serves hits until the namespace gets a new generation', async () => {
    // Prepare
    const { store } = memoryStore();
    const { t, reads } = telemetry();
    const read = readThrough(store, t);
    let computed = 0;
    const compute = async () => ({ n: ++computed });

    // Act
    const first = await read(spec, compute);
    const second = await read(spec, compute);
    await store.bump(['sales']);
    const third = await read(spec, compute);

    // Assess
    expect([first.value, second.value, third.value]).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }]);
    expect(reads).toEqual(['miss', 'hit', 'miss']);
  });

  it('shares one computation among concurrent callers in one container', async () => {
    const { store } = memoryStore();
    const { t, reads } = telemetry();
    const read = readThrough(store, t);
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 20));
      return { ok: true };
    };

    const results = await Promise.all(Array.from({ length: 20 }, () => read(spec, compute)));

    expect(computed).toBe(1);
    expect(results.every((r) => r.value.ok)).toBe(true);
    expect(reads.filter((s) => s === 'miss')).toHaveLength(1);
  });

  it('makes a caller that loses the lock wait for the holder instead of computing', async () => {
    // Prepare: another container holds the lock; its value lands a little later.
    const { store, data } = memoryStore();
    const { t } = telemetry();
    const gen = await store.generation('sales');
    data.set(`lock:sales:${gen}:${spec.key}`, 'other-container');
    const read = readThrough(store, t, { firstPollMs: 1 });
    setTimeout(() => data.set(`sales:${gen}:${spec.key}`, JSON.stringify({ from: 'holder' })), 30);
    let computed = 0;

    // Act
    const result = await read(spec, async () => ({ from: `me ${++computed}` }));

    // Assess
    expect(result).toEqual({ value: { from: 'holder' }, source: 'waited' });
    expect(computed).toBe(0);
  });

  it('computes itself when the lock holder never delivers (wait budget spent)', async () => {
    const { store, data } = memoryStore();
    const { t } = telemetry();
    const gen = await store.generation('sales');
    data.set(`lock:sales:${gen}:${spec.key}`, 'dead-container');
    const read = readThrough(store, t, { waitBudgetMs: 30, firstPollMs: 1 });

    const result = await read(spec, async () => 'fallback');

    expect(result).toEqual({ value: 'fallback', source: 'miss' });
  });

  it('answers from the source and reports the outage when the cache is down', async () => {
    const { store, setDown } = memoryStore();
    const { t, reads, outages } = telemetry();
    const read = readThrough(store, t);
    setDown(true);

    const result = await read(spec, async () => 42);

    expect(result).toEqual({ value: 42, source: 'bypass' });
    expect(reads).toEqual(['bypass']);
    expect(outages).toEqual(['generation']);
  });

  it('spreads TTLs by the jitter so hot keys do not expire together', async () => {
    const ttls: number[] = [];
    const { store } = memoryStore();
    const spy: CacheStore = { ...store, set: async (k, v, ttl) => void ttls.push(ttl) };
    const { t } = telemetry();
    const low = readThrough(spy, t, { random: () => 0 });
    const high = readThrough(spy, t, { random: () => 1 });

    await low({ ...spec, key: 'a' }, async () => 1);
    await high({ ...spec, key: 'b' }, async () => 1);

    expect(ttls).toEqual([54_000, 66_000]);
  });
});
