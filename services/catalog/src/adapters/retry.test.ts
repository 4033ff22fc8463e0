import { describe, expect, it, vi } from 'vitest';
import { forEachLimit, groupsOf } from '../domain/concurrency';
import { sendInGroups, sendUntilProcessed, UnprocessedItemsError, type BatchStats } from './retry';

const fast = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4 };

describe('sendUntilProcessed', () => {
  it('re-sends only what came back unprocessed until nothing is left', async () => {
    // Prepare: the "table" takes half of what it is sent, at least one item
    const calls: number[][] = [];
    const send = async (items: number[]) => {
      calls.push(items);
      return items.slice(Math.max(1, Math.ceil(items.length / 2)));
    };
    const stats: BatchStats = { calls: 0, retries: 0 };
    // Act
    await sendUntilProcessed([1, 2, 3, 4, 5, 6, 7, 8], send, fast, stats);
    // Assess
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [5, 6, 7, 8], [7, 8], [8]]);
    expect(stats).toEqual({ calls: 4, retries: 3 });
  });

  it('gives up after maxAttempts with the number still unprocessed', async () => {
    const send = vi.fn(async (items: string[]) => items.slice(1));
    const error = await sendUntilProcessed(['a', 'b', 'c', 'd', 'e', 'f', 'g'], send, fast).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect((error as UnprocessedItemsError).remaining).toBe(2);
    expect(send).toHaveBeenCalledTimes(5);
  });

  it('does not retry an error of the call itself (the SDK already retried it)', async () => {
    const send = vi.fn(async () => {
      throw new Error('AccessDenied');
    });
    await expect(sendUntilProcessed([1], send, fast)).rejects.toThrow('AccessDenied');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('waits a jittered, growing, capped pause between attempts', async () => {
    vi.useFakeTimers();
    try {
      const at: number[] = [];
      const send = async (items: number[]) => (at.push(Date.now()), at.length < 6 ? items : []);
      vi.spyOn(Math, 'random').mockReturnValue(0.999);
      const done = sendUntilProcessed([1], send, { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 500 });
      await vi.runAllTimersAsync();
      await done;
      const pauses = at.slice(1).map((t, i) => t - at[i]!);
      // Full jitter at its top: ~100, 200, 400, then capped at 500.
      expect(pauses.map((p) => Math.round(p / 10) * 10)).toEqual([100, 200, 400, 500, 500]);
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it('makes no call for nothing', async () => {
    const send = vi.fn(async (items: number[]) => items);
    await sendUntilProcessed([], send);
    expect(send).not.toHaveBeenCalled();
  });
});

describe('sendInGroups', () => {
  it('sends groups of 25 with at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    await sendInGroups(
      Array.from({ length: 260 }, (_, i) => i),
      { size: 25, concurrency: 3, retry: fast },
      async (g) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sizes.push(g.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return [];
      },
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(260);
    expect(Math.max(...sizes)).toBe(25);
    expect(sizes).toHaveLength(11);
    expect(most).toBe(3);
  });
});

describe('forEachLimit and groupsOf', () => {
  it('stops taking work after the first failure and rejects with it', async () => {
    const seen: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      seen.push(n);
      if (n === 2) throw new Error('boom');
      await new Promise((r) => setTimeout(r, 5));
    });
    await expect(run).rejects.toThrow('boom');
    expect(seen.length).toBeLessThan(6);
    expect(groupsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
