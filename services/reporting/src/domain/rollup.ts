/**
 * The nightly rollup (P29): recomputes the aggregates of the last few days from the
 * guarded order rows. The projector already keeps them right; the rollup is the
 * self-healing net for what it cannot see (a record parked as poison and fixed by hand,
 * a manual edit, a bug since fixed). It reports how many aggregate rows it corrected:
 * anything but zero deserves a look.
 */
import type { ReadModelChanged, RecomputeDays } from './ports';

export const DEFAULT_ROLLUP_DAYS = 3;

/** The `days` UTC days before `now`'s day (yesterday and earlier). */
export function rollupWindow(now: Date, days: number): { from: string; to: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const day = (offset: number) => new Date(today - offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(days), to: day(1) };
}

export function nightlyRollup(deps: {
  recomputeDays: RecomputeDays;
  readModelChanged: ReadModelChanged;
  now: () => Date;
  days: number;
}) {
  return async () => {
    const window = rollupWindow(deps.now(), deps.days);
    const result = await deps.recomputeDays(window.from, window.to);
    let cacheError: unknown;
    // The corrections are committed; a cache that cannot be told only delays them by a TTL.
    if (result.corrected > 0)
      await deps.readModelChanged(result.affected).catch((error: unknown) => (cacheError = error));
    return {
      ...window,
      days: result.days,
      customers: result.customers,
      corrected: result.corrected,
      cacheError,
    };
  };
}
