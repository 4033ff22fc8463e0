/**
 * Postgres adapter for the payments ledger (P24: the pool comes from getPool(), one
 * connection per container). Both writes are plain multi-row statements inside one
 * transaction, so a batch of 10 messages costs one round trip per table, and both are
 * idempotent through `ON CONFLICT DO NOTHING` on the natural keys (X1).
 */
import { inTransaction, type Pool } from '@order-platform/shared/db/postgres';
import type { LedgerEntry } from '../domain/ledger';
import type { RecordEntries, RecordShipmentUpdate } from '../domain/ports';

export type PoolProvider = () => Promise<Pool>;

const INSERT_ENTRIES = `
  INSERT INTO payments.ledger_entries
    (entry_id, kind, payment_id, order_id, amount, currency, reason, occurred_at, correlation_id)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])
  ON CONFLICT (entry_id) DO NOTHING
  RETURNING entry_id`;

const INSERT_OUTBOX = `
  INSERT INTO payments.outbox (idempotency_key, event_type, envelope)
  SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id`;

export function buildRecordEntries(pool: PoolProvider): RecordEntries {
  return async (input) => {
    // One row per key, in key order: two writers taking overlapping batches then lock
    // rows in the same order and cannot deadlock.
    const byId = new Map<string, LedgerEntry>();
    for (const e of input) if (!byId.has(e.entryId)) byId.set(e.entryId, e);
    const entries = [...byId.values()].sort((a, b) =>
      a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0,
    );
    if (entries.length === 0) return { inserted: [], outboxIds: [] };
    return inTransaction(await pool(), async (client) => {
      const inserted = await client.query<{ entry_id: string }>(INSERT_ENTRIES, [
        entries.map((e) => e.entryId),
        entries.map((e) => e.kind),
        entries.map((e) => e.paymentId),
        entries.map((e) => e.orderId),
        entries.map((e) => e.amount),
        entries.map((e) => e.currency),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => e.occurredAt),
        entries.map((e) => e.correlationId),
      ]);
      const insertedIds = inserted.rows.map((r) => r.entry_id);
      const fresh = new Set(insertedIds);
      // Everything a new entry announces (payments event, billing record) commits with it.
      const events = entries.filter((e) => fresh.has(e.entryId)).flatMap((e) => e.events);
      if (events.length === 0) return { inserted: insertedIds, outboxIds: [] };
      const outbox = await client.query<{ id: string }>(INSERT_OUTBOX, [
        events.map((e) => e.metadata.idempotencyKey),
        events.map((e) => e.metadata.eventType),
        events.map((e) => JSON.stringify(e)),
      ]);
      return { inserted: insertedIds, outboxIds: outbox.rows.map((r) => Number(r.id)) };
    });
  };
}

export function buildRecordShipmentUpdate(pool: PoolProvider): RecordShipmentUpdate {
  return async (update, correlationId) => {
    const out = await (
      await pool()
    ).query(
      `INSERT INTO payments.shipment_updates (event_id, order_id, carrier, tracking_number, status, occurred_at, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        update.eventId,
        update.orderId,
        update.carrier,
        update.trackingNumber,
        update.status,
        update.occurredAt,
        correlationId,
      ],
    );
    return out.rowCount === 1;
  };
}
