import { describe, expect, it } from 'vitest';
import { aggregate, customerDashboard, PartFailedError, PartUnavailableError, runPart } from './dashboard';

const never = () => new Promise<never>(() => undefined);

describe('runPart', () => {
  it('marks each outcome', async () => {
    expect(await runPart({ timeoutMs: 100, call: async () => [1] })).toMatchObject({
      status: 'ok',
      data: [1],
    });
    expect(await runPart({ timeoutMs: 20, call: never })).toMatchObject({
      status: 'timeout',
      error: 'no answer within 20 ms',
    });
    expect(await runPart({ timeoutMs: 100, call: undefined })).toMatchObject({ status: 'unavailable' });
    expect(
      await runPart({
        timeoutMs: 100,
        call: async () => Promise.reject(new PartUnavailableError('switched off')),
      }),
    ).toMatchObject({
      status: 'unavailable',
      error: 'switched off',
    });
    expect(
      await runPart({
        timeoutMs: 100,
        call: async () => Promise.reject(new PartFailedError('orders responded 500')),
      }),
    ).toMatchObject({
      status: 'error',
      error: 'orders responded 500',
    });
  });

  it('never echoes an unexpected error, but hands it to the logger', async () => {
    const seen: unknown[] = [];
    const result = await runPart(
      { timeoutMs: 100, call: async () => Promise.reject(new Error('password=hunter2')) },
      (e) => seen.push(e),
    );
    expect(result).toMatchObject({ status: 'error', error: 'request failed' });
    expect(seen).toHaveLength(1);
  });

  it('aborts the signal it gave the call when the part times out', async () => {
    let signal: AbortSignal | undefined;
    await runPart({ timeoutMs: 10, call: (s) => ((signal = s), never()) });
    expect(signal?.aborted).toBe(true);
  });
});

describe('aggregate', () => {
  it('is partial when any part is not ok, and runs the parts in parallel', async () => {
    const started = Date.now();
    const result = await aggregate('c-1', {
      a: { timeoutMs: 200, call: async () => 'A' },
      b: { timeoutMs: 50, call: never },
      c: { timeoutMs: 50, call: never },
    });
    expect(result.partial).toBe(true);
    expect(result.parts.a).toMatchObject({ status: 'ok', data: 'A' });
    expect(result.parts.b.status).toBe('timeout');
    // Two 50 ms timeouts in parallel, not in a row (generous bound: this is not a latency test).
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is complete when every part is ok', async () => {
    const result = await aggregate('c-1', { a: { timeoutMs: 100, call: async () => 1 } });
    expect(result).toMatchObject({ partial: false, parts: { a: { status: 'ok' } } });
  });
});

describe('customerDashboard', () => {
  const timeouts = { orders: 50, summary: 50, billing: 50 };
  const ok = async () => ({ fine: true });
  const broken = async () => {
    throw new Error('down');
  };

  it('lets a customer read only their own dashboard (an admin any)', async () => {
    const load = customerDashboard(timeouts);
    const sources = { orders: ok, summary: ok, billing: ok };
    await expect(load({ customerId: 'bob', role: 'customer' }, 'erin', sources)).rejects.toMatchObject({
      status: 403,
    });
    await expect(load({ customerId: 'root', role: 'admin' }, 'erin', sources)).resolves.toMatchObject({
      customerId: 'erin',
      partial: false,
      unavailable: false,
    });
  });

  it('is partial when a part fails, and unavailable when none loaded', async () => {
    const failures: string[] = [];
    const load = customerDashboard(timeouts, (part) => failures.push(part));
    const erin = { customerId: 'erin', role: 'customer' as const };
    const partial = await load(erin, 'erin', { orders: ok, summary: broken, billing: undefined });
    expect(partial).toMatchObject({ partial: true, unavailable: false });
    expect(partial.parts.billing.status).toBe('unavailable');
    const none = await load(erin, 'erin', { orders: broken, summary: broken, billing: undefined });
    expect(none.unavailable).toBe(true);
    expect(failures).toEqual(['summary', 'orders', 'summary']);
  });
});
