/**
 * The projector's logic (P04): turns a batch of orders-table stream records into guarded
 * writes on the read model, chunk by chunk, each chunk one transaction.
 *
 * - Guard: a row only moves forward ((version, updatedAt) strictly greater), so a
 *   replayed or reordered batch is a no-op for rows and aggregates alike.
 * - Aggregates are recomputed from the guarded rows in the same transaction, never
 *   incremented, so they cannot drift under replay.
 * - Failures: stream semantics are ordered per shard; Lambda resumes from the lowest
 *   reported sequence number. So a failed chunk is reported together with every record
 *   after it, and nothing after a failure is applied in this invocation.
 * - Poison: a record that breaks the contract can never succeed (the platform's failure
 *   taxonomy, shared/src/consumers/failures.ts); it is parked (failure queue) and
 *   acknowledged, so it does not block the shard.
 * - Time: before each chunk the platform's time guard is checked (X8); what does not fit
 *   is reported as failed and comes back in the retry.
 * - Outage: while the database cannot be reached (a restart, a failover), a chunk is tried
 *   again after a growing pause (exponential-backoff, full jitter) for as long as the
 *   invocation's time allows. A stream's own retries come at once and end in the failure
 *   destination within seconds; waiting here carries a shard through an outage of tens
 *   of seconds instead, its records still in order.
 *
 * Why not the platform's per-record stream consumer: a chunk is one transaction and its
 * aggregates are recomputed once, so the unit of work here is the chunk, not the record.
 */
import { backOff } from 'exponential-backoff';
import { classifyFailure, describeError } from '@order-platform/shared/consumers/failures';
import { DEFAULT_TIME_GUARD_MS, timeGuard } from '@order-platform/shared/consumers/time-guard';
import { latestPerOrder, rowFromChange, type OrderRow, type RawChange } from './order-item';
import type { AffectedKeys, ApplyRows, ParkPoison, ReadModelChanged } from './ports';

export interface StreamItem {
  /** The record's sequence number: its identifier in a partial batch response. */
  id: string;
  /** The stream it came from (for the failure record). */
  source?: string;
  change: RawChange;
}

export interface ProjectionOutcome {
  failedIds: string[];
  applied: number;
  stale: number;
  ignored: number;
  poisoned: number;
  /** Why the first failed chunk failed (the handler logs it; it is never swallowed). */
  error?: unknown;
}

export interface ProjectorDeps {
  applyRows: ApplyRows;
  parkPoison: ParkPoison;
  /** Best effort, after commit (cache invalidation): its failure never fails the batch. */
  readModelChanged: ReadModelChanged;
  onReadModelChangedError?: (error: unknown) => void;
  chunkSize?: number;
  timeGuardMs?: number;
  /** Whether an error says the database cannot be reached now (then the chunk waits and tries again). */
  isUnreachable?: (error: unknown) => boolean;
  /** Pauses while the database cannot be reached: the first, and the longest. */
  outageBackoff?: { firstMs: number; maxMs: number };
}

export const DEFAULT_OUTAGE_BACKOFF = { firstMs: 250, maxMs: 5_000 };

export const DEFAULT_CHUNK_SIZE = 50;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function projectBatch(deps: ProjectorDeps) {
  const chunkSize = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const margin = deps.timeGuardMs ?? DEFAULT_TIME_GUARD_MS;
  return async (items: readonly StreamItem[], remainingMs: () => number): Promise<ProjectionOutcome> => {
    const guard = timeGuard(remainingMs, margin);
    const outcome: ProjectionOutcome = { failedIds: [], applied: 0, stale: 0, ignored: 0, poisoned: 0 };
    const parts = chunks(items, chunkSize);
    for (let i = 0; i < parts.length; i++) {
      const chunk = parts[i]!;
      const failRest = (error?: unknown) => {
        if (error !== undefined) outcome.error = error;
        outcome.failedIds = parts
          .slice(i)
          .flat()
          .map((item) => item.id);
        return outcome;
      };
      const rows: OrderRow[] = [];
      try {
        guard.check(`${items.length - i * chunkSize} records`);
        for (const item of chunk) {
          try {
            const row = rowFromChange(item.change);
            if (row) rows.push(row);
            else outcome.ignored++;
          } catch (error) {
            const kind = classifyFailure(error);
            if (kind === 'retry') throw error;
            await deps.parkPoison(item, { kind, reason: describeError(error) });
            outcome.poisoned++;
          }
        }
        const latest = latestPerOrder(rows);
        const pause = deps.outageBackoff ?? DEFAULT_OUTAGE_BACKOFF;
        const result = await backOff(() => deps.applyRows(latest), {
          numOfAttempts: Number.MAX_SAFE_INTEGER,
          startingDelay: pause.firstMs,
          timeMultiple: 2,
          maxDelay: pause.maxMs,
          jitter: 'full',
          // Another try only if it can still finish in time: the wait is at most maxMs.
          retry: (error: unknown) =>
            (deps.isUnreachable?.(error) ?? false) && remainingMs() > margin + pause.maxMs,
        });
        outcome.applied += result.applied;
        outcome.stale += rows.length - result.applied;
        if (result.applied > 0) await notify(deps, result.affected);
      } catch (error) {
        return failRest(error);
      }
    }
    return outcome;
  };
}

async function notify(deps: ProjectorDeps, affected: AffectedKeys): Promise<void> {
  try {
    await deps.readModelChanged(affected);
  } catch (error) {
    deps.onReadModelChangedError?.(error);
  }
}
