/**
 * The one failure taxonomy of every queue and stream consumer:
 * - retry: may succeed later (a dependency down, a timeout, a conflict, out of time). The
 *   record is reported as a batch item failure and comes back; after the source's retry
 *   budget the platform's redrive or on-failure destination takes it.
 * - permanent: well-formed but can never succeed (wrong shape, an undeclared version, a
 *   value the database refuses as data). It goes to the DLQ at once, with the reason, and
 *   counts as handled, so it neither blocks its queue or shard nor burns retries.
 * - poison: cannot even be read (not JSON, not the message kind the queue carries). Same
 *   route as permanent; the kind tells an operator a replay will not help without a fix
 *   on the producer side.
 * Unknown errors are retried: retrying a good message costs little, dropping it is a loss.
 */
import { PermanentError, PoisonMessageError } from '../errors';

export type FailureKind = 'retry' | 'permanent' | 'poison';

/** Why a record was parked instead of retried: what the DLQ message carries. */
export interface Failure {
  kind: Exclude<FailureKind, 'retry'>;
  reason: string;
}

/** Postgres SQLSTATE classes about the data, not the server: 22 data exception, 23 integrity. */
const DATA_SQLSTATE_CLASSES = ['22', '23'];
/** ...except these, which concurrency causes and a retry resolves. */
const RACE_SQLSTATES = ['23505', '23P01'];

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof PoisonMessageError || error instanceof SyntaxError) return 'poison';
  if (error instanceof PermanentError) return 'permanent';
  const state = sqlState(error);
  if (state && DATA_SQLSTATE_CLASSES.includes(state.slice(0, 2)) && !RACE_SQLSTATES.includes(state))
    return 'permanent';
  return 'retry';
}

const MAX_REASON = 500;

/** One line for a log and a DLQ attribute: name, SQLSTATE when there is one, message. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string } | null;
  const text = `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(error)}`;
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;
}
