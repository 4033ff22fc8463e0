/**
 * The writing half (P01, P17): what the throttled writer does with one queue record.
 * Parsing is strict and total: anything that is not a ledger message is a
 * PermanentError (it goes to the DLQ at once); the database work is behind ports.
 */
import { PermanentError, PoisonMessageError } from '@order-platform/shared/errors';
import { ledgerEntryFor, type LedgerEntry } from './ledger';
import { ledgerMessageSchema, type LedgerMessage } from './messages';
import { carrierUpdateSchema, type CarrierUpdate } from './shipments';

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new PoisonMessageError(`Message body is not JSON: ${(error as Error).message}`);
  }
}

const issues = (e: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');

export function parseLedgerMessage(body: string): LedgerMessage {
  const result = ledgerMessageSchema.safeParse(parseJson(body));
  if (!result.success) throw new PermanentError(`Not a ledger message: ${issues(result.error)}`);
  return result.data;
}

export function parseCarrierUpdate(body: string): CarrierUpdate {
  const result = carrierUpdateSchema.safeParse(parseJson(body));
  if (!result.success) throw new PermanentError(`Not a carrier update: ${issues(result.error)}`);
  return result.data;
}

export function entryFromBody(body: string, ctx: { fallbackCorrelationId: string; now: Date }): LedgerEntry {
  return ledgerEntryFor(parseLedgerMessage(body), ctx);
}
