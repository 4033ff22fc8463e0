/**
 * Finance's export, pure: one small JSON object per billing fact, under the day the fact
 * happened: exports/YYYY-MM-DD/<idempotencyKey>.json. The key is a function of the record
 * alone (never of "now"), so a redelivered record rewrites the same object with the same
 * bytes: idempotent by construction, no table needed (X1). Finance reads a day as one
 * prefix (Athena, or a nightly concatenation into a CSV).
 */
import { createHash } from 'node:crypto';
import type { Envelope } from '@order-platform/shared/events/envelope';

export const EXPORT_PREFIX = 'exports/';

export interface ExportLine {
  key: string;
  body: string;
}

/** Keys keep only S3-safe characters; a replaced key gets a short hash so two keys never collide. */
export function objectNameFor(idempotencyKey: string): string {
  const safe = idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  if (safe === idempotencyKey) return safe;
  return `${safe}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}`;
}

export function exportLineFor(event: Envelope<unknown>): ExportLine {
  const m = event.metadata;
  const day = new Date(m.occurredAt).toISOString().slice(0, 10);
  const line = {
    recordType: m.eventType,
    version: m.version,
    occurredAt: m.occurredAt,
    idempotencyKey: m.idempotencyKey,
    eventId: m.eventId,
    source: m.source,
    correlationId: m.correlationId,
    data: event.data,
  };
  return {
    key: `${EXPORT_PREFIX}${day}/${objectNameFor(m.idempotencyKey)}.json`,
    body: `${JSON.stringify(line)}\n`,
  };
}
