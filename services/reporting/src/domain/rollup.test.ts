import { describe, expect, it } from 'vitest';
import { nightlyRollup, rollupWindow } from './rollup';

describe('rollupWindow', () => {
  it('covers the given number of days before today (UTC)', () => {
    expect(rollupWindow(new Date('2026-03-01T02:15:00Z'), 3)).toEqual({
      from: '2026-02-26',
      to: '2026-02-28',
    });
    expect(rollupWindow(new Date('2026-03-01T23:59:59Z'), 1)).toEqual({
      from: '2026-02-28',
      to: '2026-02-28',
    });
  });
});

describe('nightlyRollup', () => {
  it('invalidates the cache only when it corrected something, and survives a cache outage', async () => {
    const told: unknown[] = [];
    const affected = { days: ['2026-02-28'], customers: [] };
    const run = (corrected: number, fail = false) =>
      nightlyRollup({
        recomputeDays: async () => ({ days: 3, customers: 2, corrected, affected }),
        readModelChanged: async (a) => {
          if (fail) throw new Error('redis down');
          told.push(a);
        },
        now: () => new Date('2026-03-01T02:15:00Z'),
        days: 3,
      })();

    expect(await run(0)).toMatchObject({ corrected: 0, cacheError: undefined });
    expect(told).toEqual([]);
    expect(await run(2)).toMatchObject({ corrected: 2, from: '2026-02-26', to: '2026-02-28' });
    expect(told).toEqual([affected]);
    expect((await run(1, true)).cacheError).toBeInstanceOf(Error);
  });
});
