/**
 * The remaining-time guard (X8): a record is only started when enough of the invocation
 * is left to finish it. Cutting a record off halfway (the Lambda timeout) fails the whole
 * batch, records already done included; refusing it early reports just the records not
 * started, which come back with the retry instead of being lost.
 */

/** Thrown before a record is started when too little time is left; always retried. */
export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

/** A stream record behind a failed one of its shard: left for the retry that resumes there. */
export class HeldBackError extends Error {
  override name = 'HeldBackError';
}

export const DEFAULT_TIME_GUARD_MS = 3_000;

export interface TimeGuard {
  /** Throws OutOfTimeError when less than the margin is left. */
  check(what?: string): void;
}

export function timeGuard(remainingMs: () => number, marginMs = DEFAULT_TIME_GUARD_MS): TimeGuard {
  return {
    check(what = 'this record') {
      if (remainingMs() < marginMs)
        throw new OutOfTimeError(`Less than ${marginMs} ms left; ${what} left for the retry`);
    },
  };
}
