/**
 * Batch APIs that accept part of a request (BatchWriteItem's UnprocessedItems,
 * BatchGetItem's UnprocessedKeys, SendMessageBatch's Failed entries) are retried with
 * only what came back, after an exponential pause with full jitter, so parallel workers
 * that were throttled together do not come back together. The schedule is the
 * `exponential-backoff` library's (delay = random(0, min(maxDelay, base * 2^attempt))).
 */
import { backOff } from 'exponential-backoff';
import { forEachLimit, groupsOf } from '../domain/concurrency';

export interface RetryOptions {
  /** Calls in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 6 s of pauses in the worst case: well inside a worker's timeout. */
export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000 };

export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
  constructor(
    readonly remaining: number,
    attempts: number,
  ) {
    super(`${remaining} items still unprocessed after ${attempts} attempts`);
  }
}

/** Counters a caller may pass in to see what the retries cost (benchmarks, tests). */
export interface BatchStats {
  calls: number;
  /** Calls that re-sent leftovers of an earlier call. */
  retries: number;
}

/**
 * Sends `items` with `send` (which returns the items it did not process), then re-sends
 * the leftovers until none is left or `maxAttempts` calls were made (then throws).
 */
export async function sendUntilProcessed<T>(
  items: readonly T[],
  send: (items: T[]) => Promise<T[]>,
  options: RetryOptions = DEFAULT_RETRY,
  stats?: BatchStats,
): Promise<void> {
  let pending = [...items];
  let attempts = 0;
  if (pending.length === 0) return;
  await backOff(
    async () => {
      attempts++;
      if (stats) {
        stats.calls++;
        if (attempts > 1) stats.retries++;
      }
      pending = await send(pending);
      if (pending.length) throw new UnprocessedItemsError(pending.length, attempts);
    },
    {
      numOfAttempts: options.maxAttempts,
      startingDelay: options.baseDelayMs,
      timeMultiple: 2,
      maxDelay: options.maxDelayMs,
      jitter: 'full',
      delayFirstAttempt: false,
      retry: (error: unknown) => error instanceof UnprocessedItemsError,
    },
  );
}

/** Groups of `size` (25 for BatchWriteItem), `concurrency` groups in flight, each retried as above. */
export async function sendInGroups<T>(
  items: readonly T[],
  opts: { size: number; concurrency: number; retry?: RetryOptions; stats?: BatchStats },
  send: (items: T[]) => Promise<T[]>,
): Promise<void> {
  await forEachLimit(groupsOf(items, opts.size), opts.concurrency, (group) =>
    sendUntilProcessed(group, send, opts.retry ?? DEFAULT_RETRY, opts.stats),
  );
}
