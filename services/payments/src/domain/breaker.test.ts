import { describe, expect, it } from 'vitest';
import { admit, afterCall, closedState, type BreakerConfig } from './breaker';
import {
  CircuitOpenError,
  createCircuitBreaker,
  type BreakerStore,
  type StoredBreaker,
} from './circuit-breaker';

const config: BreakerConfig = {
  failureThreshold: 3,
  windowMs: 10_000,
  slowCallMs: 1_000,
  coolDownMs: 5_000,
  backoffMultiplier: 2,
  maxCoolDownMs: 30_000,
  probeLeaseMs: 2_000,
};

/** A fake clock the tests move by hand. */
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/**
 * An in-memory store with real compare-and-set. Every operation yields to the event loop
 * first, so concurrent callers interleave between their read and their write exactly as
 * containers do against DynamoDB.
 */
function memoryStore(): BreakerStore & { writes: number; value?: StoredBreaker } {
  const tick = () => new Promise<void>((r) => setImmediate(r));
  const store = {
    writes: 0,
    value: undefined as StoredBreaker | undefined,
    async load() {
      await tick();
      return store.value ? structuredClone(store.value) : undefined;
    },
    async compareAndSet(next: StoredBreaker['state'], expected: number | undefined) {
      await tick();
      if (store.value?.version !== expected) return false;
      store.value = { state: structuredClone(next), version: (expected ?? 0) + 1 };
      store.writes++;
      return true;
    },
  };
  return store;
}

class ProviderDown extends Error {}

function setup(clock = fakeClock(), store = memoryStore()) {
  let ids = 0;
  const breaker = createCircuitBreaker({
    name: 'provider',
    store,
    config,
    now: clock.now,
    newProbeId: () => `probe-${++ids}`,
    isFailure: (e) => e instanceof ProviderDown,
  });
  let calls = 0;
  const ok = () => breaker.execute(async () => (calls++, 'ok'));
  const fail = () => breaker.execute(async () => (calls++, Promise.reject(new ProviderDown('down'))));
  return { breaker, store, clock, ok, fail, calls: () => calls };
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof CircuitOpenError ? 'open' : 'failed'),
  );

async function openIt(s: ReturnType<typeof setup>) {
  for (let i = 0; i < config.failureThreshold; i++) await settle(s.fail());
  expect((await s.breaker.current()).status).toBe('OPEN');
}

describe('breaker transitions (pure)', () => {
  it('opens only when the failures fall within the rolling window', () => {
    const t0 = 0;
    let s = closedState(config);
    s = afterCall(s, 'failure', { kind: 'call' }, t0, config)!;
    s = afterCall(s, 'failure', { kind: 'call' }, t0 + 1_000, config)!;
    // The first failure has left the window by the third one: still closed.
    s = afterCall(s, 'failure', { kind: 'call' }, t0 + 10_500, config)!;
    expect(s.status).toBe('CLOSED');
    expect(s.failures).toEqual([1_000, 10_500]);
    s = afterCall(s, 'failure', { kind: 'call' }, t0 + 10_900, config)!;
    expect(s).toMatchObject({
      status: 'OPEN',
      retryAt: 10_900 + config.coolDownMs,
      coolDownMs: config.coolDownMs,
    });
  });

  it('writes nothing for a success while closed, nor for late results once open', () => {
    expect(afterCall(closedState(config), 'success', { kind: 'call' }, 0, config)).toBeUndefined();
    const open = { status: 'OPEN' as const, failures: [], coolDownMs: 5_000, retryAt: 9_000 };
    expect(afterCall(open, 'failure', { kind: 'call' }, 0, config)).toBeUndefined();
    expect(afterCall(open, 'success', { kind: 'call' }, 0, config)).toBeUndefined();
  });

  it('admits a probe when the cool-down is over, and takes over an expired probe lease', () => {
    const open = { status: 'OPEN' as const, failures: [], coolDownMs: 5_000, retryAt: 9_000 };
    expect(admit(open, 8_999, 'p1', config)).toEqual({ decision: 'reject', retryAt: 9_000 });
    const probe = admit(open, 9_000, 'p1', config);
    expect(probe).toMatchObject({
      decision: 'probe',
      next: { status: 'HALF_OPEN', probeId: 'p1', probeExpiresAt: 11_000 },
    });
    const half = (probe as Extract<typeof probe, { decision: 'probe' }>).next;
    expect(admit(half, 10_999, 'p2', config)).toEqual({ decision: 'reject', retryAt: 11_000 });
    expect(admit(half, 11_000, 'p2', config)).toMatchObject({ decision: 'probe', next: { probeId: 'p2' } });
  });
});

describe('shared circuit breaker (fake clock, compare-and-set store)', () => {
  it('opens after N failures and then fails fast without calling the provider', async () => {
    const s = setup();
    await openIt(s);
    const before = s.calls();
    expect(await Promise.all([settle(s.ok()), settle(s.ok()), settle(s.fail())])).toEqual([
      'open',
      'open',
      'open',
    ]);
    expect(s.calls()).toBe(before);
  });

  it('counts slow successes as failures (the caller still gets its result)', async () => {
    const s = setup();
    for (let i = 0; i < config.failureThreshold; i++) {
      expect(await s.breaker.execute(async () => (s.clock.advance(config.slowCallMs), 'slow but fine'))).toBe(
        'slow but fine',
      );
    }
    expect((await s.breaker.current()).status).toBe('OPEN');
  });

  it('lets exactly one of many simultaneous callers probe when half-open', async () => {
    const s = setup();
    await openIt(s);
    s.clock.advance(config.coolDownMs);
    let probes = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let turnedAway = 0;
    // 50 callers at once; the probe holds the provider until the 49 others have failed fast.
    const results = Array.from({ length: 50 }, () =>
      settle(s.breaker.execute(async () => (probes++, await gate, 'probed'))).then((r) => {
        if (r === 'open' && ++turnedAway === 49) release();
        return r;
      }),
    );
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'open')).toHaveLength(49);
    expect(probes).toBe(1);
    expect((await s.breaker.current()).status).toBe('CLOSED');
  });

  it('doubles the cool-down after each failed probe, up to the cap, and resets it on close', async () => {
    const s = setup();
    await openIt(s);
    const coolDowns: number[] = [];
    for (let i = 0; i < 5; i++) {
      const state = await s.breaker.current();
      coolDowns.push(state.retryAt! - s.clock.now());
      // One millisecond early: still failing fast, no provider call.
      s.clock.advance(state.retryAt! - s.clock.now() - 1);
      const before = s.calls();
      expect(await settle(s.ok())).toBe('open');
      expect(s.calls()).toBe(before);
      s.clock.advance(1);
      expect(await settle(s.fail())).toBe('failed'); // the probe, failing
      expect(s.calls()).toBe(before + 1);
    }
    expect(coolDowns).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
    s.clock.advance(30_000);
    expect(await settle(s.ok())).toBe('ok');
    expect(await s.breaker.current()).toMatchObject({
      status: 'CLOSED',
      coolDownMs: config.coolDownMs,
      failures: [],
    });
  });

  it('a declined payment during the probe still proves the provider healthy', async () => {
    const s = setup();
    await openIt(s);
    s.clock.advance(config.coolDownMs);
    await settle(s.breaker.execute(async () => Promise.reject(new Error('card declined'))));
    expect((await s.breaker.current()).status).toBe('CLOSED');
  });

  it('lets another caller probe when the prober never reports back', async () => {
    const s = setup();
    await openIt(s);
    s.clock.advance(config.coolDownMs);
    void s.breaker.execute(() => new Promise(() => undefined)); // a container that dies mid-probe
    while ((await s.breaker.current()).status !== 'HALF_OPEN') await new Promise((r) => setImmediate(r));
    expect(await settle(s.ok())).toBe('open');
    s.clock.advance(config.probeLeaseMs);
    expect(await settle(s.ok())).toBe('ok');
    expect((await s.breaker.current()).status).toBe('CLOSED');
  });

  it('two breaker instances over one store share the state (two containers)', async () => {
    const clock = fakeClock();
    const store = memoryStore();
    const a = setup(clock, store);
    const b = setup(clock, store);
    await settle(a.fail());
    await settle(b.fail());
    await settle(a.fail());
    expect(await settle(b.ok())).toBe('open');
    expect(b.calls()).toBe(1);
  });

  it('fails open when the store cannot be read', async () => {
    const errors: unknown[] = [];
    const breaker = createCircuitBreaker({
      name: 'p',
      store: { load: async () => Promise.reject(new Error('store down')), compareAndSet: async () => false },
      config,
      now: () => 0,
      newProbeId: () => 'x',
      isFailure: () => true,
      onStoreError: (e) => errors.push(e),
    });
    expect(await breaker.execute(async () => 'called anyway')).toBe('called anyway');
    expect(errors).toHaveLength(1);
  });
});
