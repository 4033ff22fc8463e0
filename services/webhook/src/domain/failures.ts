/**
 * Failure classes of the queue consumers (P25). A message fails either
 * - permanently: it can never succeed (not JSON, wrong shape, a value the database
 *   rejects as data). The consumer sends it to the DLQ at once and acknowledges it, so
 *   it neither blocks the queue nor burns retries; or
 * - temporarily: the database is down, a timeout, a deadlock, the function ran out of
 *   time, a missing table before the migration ran. The record is reported as a batch
 *   item failure and SQS delivers it again after the visibility timeout; after
 *   maxReceiveCount deliveries SQS's redrive moves it to the same DLQ.
 * Unknown errors are temporary: retrying a good message costs little, dropping it is a loss.
 */
import { PermanentError } from '@order-platform/shared/errors';

export type FailureClass = 'permanent' | 'temporary';

/** Thrown before a record is started when too little time is left (X8). */
export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

/** Postgres SQLSTATE classes that are about the data, not the server. */
const PERMANENT_SQLSTATE_CLASSES = ['22', '23'];
/** ...except these, which concurrency can cause and a retry resolves. */
const RETRYABLE_SQLSTATES = ['23505', '23P01'];

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof OutOfTimeError) return 'temporary';
  const state = sqlState(error);
  if (state && PERMANENT_SQLSTATE_CLASSES.includes(state.slice(0, 2)) && !RETRYABLE_SQLSTATES.includes(state))
    return 'permanent';
  return 'temporary';
}

export function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string } | null;
  const text = `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(error)}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
