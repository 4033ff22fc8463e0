import { describe, expect, it } from 'vitest';
import { memorySink } from '../log';
import { FaultInjector, type InvocationFault } from './injector';
import { matches, parseProfile } from './profile';
import { faultsRoute } from './route';

/** A clock the test moves: no sleeps, no wall-clock luck. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function fakeEngine() {
  const calls: string[] = [];
  return {
    calls,
    running: true,
    async pause() {
      calls.push('pause');
      this.running = false;
    },
    async resume() {
      calls.push('resume');
      this.running = true;
    },
  };
}

const FN = 'op-inventory-local-applyAdjustments';

describe('fault profile', () => {
  it('accepts a full profile and fills the defaults', () => {
    const p = parseProfile({
      seed: 7,
      functions: { 'op-*': { errorRate: 0.1, kill: {} } },
      engines: { postgres: [{ atMs: 0, forMs: 30_000 }] },
      provider: [{ atMs: 5_000, forMs: 10_000, mode: 'fail', webhooks: { repeat: 1 } }],
    });
    expect(p.functions['op-*']!.kill).toEqual({ rate: 1, max: 1, afterMs: 20 });
    expect(p.engines.redis).toEqual([]);
  });

  it('refuses a rate above 1, an unknown field and an unknown provider mode, naming each', () => {
    expect(() => parseProfile({ functions: { x: { errorRate: 1.5 } } })).toThrow(/functions\.x\.errorRate/);
    expect(() => parseProfile({ functions: { x: { errrorRate: 0.1 } } })).toThrow(/invalid fault profile/);
    expect(() => parseProfile({ provider: [{ atMs: 0, forMs: 1, mode: 'explode' }] })).toThrow(
      /provider\.0\.mode/,
    );
  });

  it('matches names with * as any run of characters, nothing else special', () => {
    expect(matches('op-*-local-*', FN)).toBe(true);
    expect(matches('op-orders-*', FN)).toBe(false);
    expect(matches('op-inventory-local-apply.djustments', FN)).toBe(false);
  });
});

describe('fault injector: rates over a seeded run', () => {
  const profile = {
    seed: 42,
    functions: { 'op-inventory-*': { errorRate: 0.1, timeoutRate: 0.05, latency: { rate: 0.2, ms: 50 } } },
    sources: { '*-queue': { duplicateRate: 0.05, earlyRedeliveryRate: 0.05 } },
  };

  it('injects each kind at its rate (within 1.5 points over 20 000 invocations)', async () => {
    const f = new FaultInjector({ log: memorySink() });
    await f.set(profile);
    const n = 20_000;
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const kind = f.forInvocation(FN)?.kind ?? 'none';
      seen[kind] = (seen[kind] ?? 0) + 1;
      const d = f.forDelivery('adjustments-queue', FN) ?? 'none';
      seen[d] = (seen[d] ?? 0) + 1;
    }
    expect(Math.abs(seen['handler-error']! / n - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(seen.timeout! / n - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(seen.latency! / n - 0.2)).toBeLessThan(0.015);
    expect(Math.abs(seen['duplicate-delivery']! / n - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(seen['early-redelivery']! / n - 0.05)).toBeLessThan(0.015);
    expect(f.counts['handler-error']).toBe(seen['handler-error']);
  });

  it('repeats: the same seed and calls give the same faults; another seed does not', async () => {
    const run = async (seed: number) => {
      const f = new FaultInjector({ log: memorySink() });
      await f.set({ ...profile, seed });
      const out: Array<InvocationFault['kind'] | 'none'> = [];
      for (let i = 0; i < 500; i++) out.push(f.forInvocation(FN)?.kind ?? 'none');
      return out.join(',');
    };
    expect(await run(42)).toBe(await run(42));
    expect(await run(42)).not.toBe(await run(43));
  });

  it("a function's faults do not depend on how its calls interleave with other functions'", async () => {
    const alone = new FaultInjector({ log: memorySink() });
    await alone.set(profile);
    const mixed = new FaultInjector({ log: memorySink() });
    await mixed.set(profile);
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < 300; i++) {
      a.push(alone.forInvocation(FN)?.kind ?? 'none');
      mixed.forInvocation('op-inventory-local-reserveStock');
      b.push(mixed.forInvocation(FN)?.kind ?? 'none');
    }
    expect(b).toEqual(a);
  });

  it('kills at most `max` environments per profile, and a new profile starts the count again', async () => {
    const f = new FaultInjector({ log: memorySink() });
    const killing = { functions: { [FN]: { kill: { max: 2, afterMs: 5 } } } };
    await f.set(killing);
    const kinds = Array.from({ length: 10 }, () => f.forInvocation(FN)?.kind);
    expect(kinds.filter((k) => k === 'environment-killed')).toHaveLength(2);
    expect(kinds.slice(0, 2)).toEqual(['environment-killed', 'environment-killed']);
    await f.set(killing);
    expect(f.forInvocation(FN)).toEqual({ kind: 'environment-killed', afterMs: 5 });
  });

  it('injects nothing without a profile, nor into functions no pattern names', async () => {
    const f = new FaultInjector({ log: memorySink() });
    expect(f.forInvocation(FN)).toBeUndefined();
    await f.set({ functions: { 'op-orders-*': { errorRate: 1 } } });
    expect(f.forInvocation(FN)).toBeUndefined();
    expect(f.forInvocation('op-orders-local-createOrder')).toEqual({ kind: 'handler-error' });
  });

  it('logs every fault from source `fault` with a `fault` field', async () => {
    const log = memorySink();
    const f = new FaultInjector({ log });
    await f.set({ functions: { [FN]: { errorRate: 1 } } });
    f.forInvocation(FN);
    const line = log.lines.find((l) => l.source === 'fault' && l.message.includes('"fault"'));
    expect(JSON.parse(line!.message)).toMatchObject({ fault: 'handler-error', target: FN });
    expect(f.snapshot().events).toEqual([expect.objectContaining({ fault: 'handler-error', target: FN })]);
  });
});

describe('fault injector: outages start and end when told (injected clock)', () => {
  it('stops Postgres at atMs and restarts it forMs later, once', async () => {
    const c = clock();
    const postgres = fakeEngine();
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { postgres } });
    await f.set({ engines: { postgres: [{ atMs: 10_000, forMs: 30_000 }] } });
    c.advance(9_999);
    await f.tick();
    expect(postgres.running).toBe(true);
    c.advance(1);
    await f.tick();
    expect(postgres.running).toBe(false);
    expect(f.active()).toEqual(['postgres-outage']);
    c.advance(29_999);
    await f.tick();
    expect(postgres.running).toBe(false);
    c.advance(1);
    await f.tick();
    expect(postgres.running).toBe(true);
    c.advance(60_000);
    await f.tick();
    expect(postgres.calls).toEqual(['pause', 'resume']);
    expect(f.active()).toEqual([]);
  });

  it('a window that starts at 0 starts when the profile is set; clearing the profile ends it', async () => {
    const c = clock();
    const redis = fakeEngine();
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { redis } });
    await f.set({ engines: { redis: [{ atMs: 0, forMs: 60_000 }] } });
    expect(redis.running).toBe(false);
    await f.set(undefined);
    expect(redis.running).toBe(true);
    expect(redis.calls).toEqual(['pause', 'resume']);
  });

  it('switches the provider for its window and puts its settings back', async () => {
    const c = clock();
    let settings: Record<string, unknown> = { mode: 'approve', webhooks: {} };
    const provider = {
      settings: () => ({ ...settings }),
      control: (patch: Record<string, unknown>) => (settings = { ...settings, ...patch }),
    };
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { provider } });
    await f.set({ provider: [{ atMs: 1_000, forMs: 5_000, mode: 'fail', webhooks: { repeat: 2 } }] });
    c.advance(1_000);
    await f.tick();
    expect(settings).toMatchObject({ mode: 'fail', webhooks: { repeat: 2 } });
    c.advance(5_000);
    await f.tick();
    expect(settings).toMatchObject({ mode: 'approve', webhooks: {} });
  });

  it('switches the carrier for its window (bookings and updates) and puts its settings back', async () => {
    const c = clock();
    let settings: Record<string, unknown> = { stepMs: 300, mode: 'up', updates: {} };
    const carrier = {
      settings: () => ({ ...settings }),
      control: (patch: Record<string, unknown>) => (settings = { ...settings, ...patch }),
    };
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { carrier } });
    await f.set({
      carrier: [{ atMs: 2_000, forMs: 3_000, mode: 'lost-answer', updates: { repeat: 1, outOfOrder: true } }],
    });
    c.advance(2_000);
    await f.tick();
    expect(settings).toEqual({ stepMs: 300, mode: 'lost-answer', updates: { repeat: 1, outOfOrder: true } });
    expect(f.active()).toEqual(['carrier-outage']);
    c.advance(3_000);
    await f.tick();
    expect(settings).toEqual({ stepMs: 300, mode: 'up', updates: {} });
    expect(f.snapshot().events.map((e) => e.fault)).toEqual(['carrier-outage']);
  });

  it('refuses an unknown carrier mode and a service name that is not a SigV4 name', () => {
    expect(() => parseProfile({ carrier: [{ atMs: 0, forMs: 1, mode: 'on-strike' }] })).toThrow(
      /carrier\.0\.mode/,
    );
    expect(() => parseProfile({ aws: [{ atMs: 0, forMs: 1, service: 'SES v2' }] })).toThrow(
      /aws\.0\.service/,
    );
  });

  it('fails AWS calls only inside the window, for its service, operation and callers', async () => {
    const c = clock();
    const f = new FaultInjector({ log: memorySink(), now: c.now });
    await f.set({
      aws: [{ atMs: 1_000, forMs: 1_000, service: 'ses', operation: 'SendEmail', function: 'op-receipts-*' }],
    });
    const mailer = 'op-receipts-local-sendReceipts';
    expect(f.forAwsCall('ses', 'SendEmail', mailer)).toBeUndefined();
    c.advance(1_000);
    await f.tick();
    expect(f.forAwsCall('ses', 'SendEmail', mailer)).toBe('unavailable');
    expect(f.forAwsCall('ses', 'GetAccount', mailer)).toBeUndefined();
    expect(f.forAwsCall('sqs', 'SendMessage', mailer)).toBeUndefined();
    expect(f.forAwsCall('ses', 'SendEmail', 'op-billing-local-notify')).toBeUndefined();
    // Its own failures are not put down to the window: only the calls it failed explain them.
    f.noteFailure(mailer);
    expect(f.snapshot().failuresDuringOutages).toEqual({});
    c.advance(1_000);
    await f.tick();
    expect(f.forAwsCall('ses', 'SendEmail', mailer)).toBeUndefined();
    // Each failed call is a fault against the caller: a dead letter it leads to is explained.
    expect(f.snapshot().events.filter((e) => e.fault === 'aws-error')).toEqual([
      expect.objectContaining({ target: mailer }),
    ]);
  });

  it('throttles about `rate` of the calls in a window, the same calls for the same seed', async () => {
    const run = async () => {
      const c = clock();
      const f = new FaultInjector({ log: memorySink(), now: c.now });
      await f.set({
        seed: 9,
        aws: [{ atMs: 0, forMs: 60_000, service: 'sqs', rate: 0.25, error: 'throttled' }],
      });
      return Array.from({ length: 2_000 }, () => f.forAwsCall('sqs', 'SendMessage', FN));
    };
    const first = await run();
    const throttled = first.filter((x) => x === 'throttled').length;
    expect(throttled).toBeGreaterThan(2_000 * 0.22);
    expect(throttled).toBeLessThan(2_000 * 0.28);
    expect(await run()).toEqual(first);
  });

  it("puts a function's own failures down to the outages open at the time, and only those", async () => {
    const c = clock();
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { postgres: fakeEngine() } });
    await f.set({ engines: { postgres: [{ atMs: 1_000, forMs: 1_000 }] } });
    f.noteFailure(FN);
    c.advance(1_000);
    await f.tick();
    f.noteFailure(FN);
    f.noteFailure(FN);
    c.advance(1_000);
    await f.tick();
    f.noteFailure(FN);
    expect(f.snapshot().failuresDuringOutages).toEqual({ [FN]: { 'postgres-outage': 2 } });
  });

  it('overlapping ticks do not start an outage twice', async () => {
    const c = clock();
    const postgres = fakeEngine();
    const f = new FaultInjector({ log: memorySink(), now: c.now, targets: { postgres } });
    await f.set({ engines: { postgres: [{ atMs: 100, forMs: 100 }] } });
    c.advance(150);
    await Promise.all([f.tick(), f.tick(), f.tick()]);
    expect(postgres.calls).toEqual(['pause']);
  });
});

describe('/_local/faults', () => {
  it('GET shows the profile, POST sets one (checked), an empty POST and DELETE clear', async () => {
    const f = new FaultInjector({ log: memorySink() });
    const route = faultsRoute(f);
    expect(route('GET', '/_local/other', '')).toBeUndefined();
    expect(await route('GET', '/_local/faults', '')).toMatchObject({ profile: null });
    await route('POST', '/_local/faults', JSON.stringify({ seed: 3, functions: { x: { errorRate: 1 } } }));
    expect(f.current()?.seed).toBe(3);
    await expect(route('POST', '/_local/faults', '{"seed":"three"}')).rejects.toThrow(/seed/);
    await expect(route('POST', '/_local/faults', 'nope')).rejects.toThrow(/not JSON/);
    expect(f.current()?.seed).toBe(3);
    await route('DELETE', '/_local/faults', '');
    expect(f.current()).toBeUndefined();
    await route('POST', '/_local/faults', JSON.stringify({ seed: 4 }));
    await route('POST', '/_local/faults', '');
    expect(f.current()).toBeUndefined();
  });
});
