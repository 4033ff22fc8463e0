/**
 * Postgres side of the reconciler: order outcomes in, the ledger's balances per capture
 * out, and the findings' memory. Everything is in this service's own schema.
 */
import type { Pool } from '@order-platform/shared/db/postgres';
import type {
  LoadReconciliationFacts,
  MarkRefundRequested,
  ReconciliationFacts,
  RememberFindings,
} from '../domain/ports';
import type { Finding, OrderOutcome } from '../domain/reconcile';
import type { PoolProvider } from './ledger-store';

/** Terminal outcomes never change: the first record of an order stays. */
export function buildRecordOrderOutcome(pool: PoolProvider) {
  return async (o: OrderOutcome): Promise<boolean> => {
    const out = await (
      await pool()
    ).query(
      `INSERT INTO payments.order_outcomes
         (order_id, customer_id, status, total, currency, payment_id, reason, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (order_id) DO NOTHING`,
      [
        o.orderId,
        o.customerId,
        o.status,
        o.total ?? null,
        o.currency ?? null,
        o.paymentId ?? null,
        o.reason ?? null,
        o.occurredAt,
      ],
    );
    return out.rowCount === 1;
  };
}

/**
 * The facts for one run, bounded to a look-back window: captures recorded within it (with
 * every refund of those payments, whenever recorded), the outcomes of their orders, and
 * confirmed orders within it (for "confirmed without capture").
 */
export function buildLoadReconciliationFacts(pool: PoolProvider): LoadReconciliationFacts {
  return async (lookbackSeconds: number): Promise<ReconciliationFacts> => {
    const db: Pool = await pool();
    const balances = await db.query<{
      order_id: string;
      payment_id: string;
      currency: string;
      captured: string;
      refunded: string;
      captured_at: Date;
    }>(
      `WITH recent AS (
         SELECT DISTINCT payment_id FROM payments.ledger_entries
         WHERE kind = 'payment.succeeded' AND recorded_at > now() - make_interval(secs => $1)
       )
       SELECT e.order_id, e.payment_id, min(e.currency) AS currency,
              sum(e.amount) FILTER (WHERE e.kind = 'payment.succeeded') AS captured,
              coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund.succeeded'), 0) AS refunded,
              min(e.occurred_at) FILTER (WHERE e.kind = 'payment.succeeded') AS captured_at
       FROM payments.ledger_entries e JOIN recent USING (payment_id)
       WHERE e.kind IN ('payment.succeeded', 'refund.succeeded')
       GROUP BY e.order_id, e.payment_id`,
      [lookbackSeconds],
    );
    const orderIds = [...new Set(balances.rows.map((r) => r.order_id))];
    const outcomes = await db.query<{
      order_id: string;
      customer_id: string;
      status: OrderOutcome['status'];
      total: string | null;
      currency: string | null;
      payment_id: string | null;
      reason: string | null;
      occurred_at: Date;
    }>(
      `SELECT * FROM payments.order_outcomes
       WHERE order_id = ANY($1::text[])
          OR (status = 'CONFIRMED' AND occurred_at > now() - make_interval(secs => $2))`,
      [orderIds, lookbackSeconds],
    );
    return {
      balances: balances.rows.map((r) => ({
        orderId: r.order_id,
        paymentId: r.payment_id,
        currency: r.currency,
        captured: Number(r.captured),
        refunded: Number(r.refunded),
        capturedAt: r.captured_at.toISOString(),
      })),
      outcomes: outcomes.rows.map((r) => ({
        orderId: r.order_id,
        customerId: r.customer_id,
        status: r.status,
        ...(r.total !== null ? { total: Number(r.total) } : {}),
        ...(r.currency !== null ? { currency: r.currency } : {}),
        ...(r.payment_id !== null ? { paymentId: r.payment_id } : {}),
        ...(r.reason !== null ? { reason: r.reason } : {}),
        occurredAt: r.occurred_at.toISOString(),
      })),
    };
  };
}

export interface StoredFinding extends Finding {
  status: 'open' | 'refund-requested' | 'resolved';
  refundId?: string;
}

/**
 * Records this run's findings (new ones are inserted, known ones keep their state),
 * resolves findings of the window that no longer hold (the refund landed in the ledger,
 * the missing capture arrived), and
 * returns the findings that are new plus the refunds still to ask for.
 */
export function buildRememberFindings(pool: PoolProvider): RememberFindings {
  return async (
    findings: readonly Finding[],
    lookbackSeconds: number,
  ): Promise<{ fresh: Finding[]; toRefund: Finding[]; resolved: number }> => {
    const db = await pool();
    const inserted = await db.query<{ finding_id: string }>(
      `INSERT INTO payments.reconciliation_findings
         (finding_id, kind, order_id, payment_id, action, amount, currency, refund_key, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT (finding_id) DO NOTHING
       RETURNING finding_id`,
      [
        findings.map((f) => f.findingId),
        findings.map((f) => f.kind),
        findings.map((f) => f.orderId),
        findings.map((f) => f.paymentId ?? null),
        findings.map((f) => f.action),
        findings.map((f) => f.amount ?? null),
        findings.map((f) => f.currency ?? null),
        findings.map((f) => f.refundKey ?? null),
        findings.map((f) => f.detail),
      ],
    );
    const current = findings.map((f) => f.findingId);
    const resolved = await db.query(
      `UPDATE payments.reconciliation_findings SET status = 'resolved', updated_at = now()
       WHERE status <> 'resolved' AND NOT (finding_id = ANY($1::text[]))
         AND found_at > now() - make_interval(secs => $2)`,
      [current, lookbackSeconds],
    );
    const open = await db.query<{ finding_id: string }>(
      `SELECT finding_id FROM payments.reconciliation_findings
       WHERE finding_id = ANY($1::text[]) AND action = 'refund' AND status = 'open'`,
      [current],
    );
    const fresh = new Set(inserted.rows.map((r) => r.finding_id));
    const waiting = new Set(open.rows.map((r) => r.finding_id));
    return {
      fresh: findings.filter((f) => fresh.has(f.findingId)),
      toRefund: findings.filter((f) => waiting.has(f.findingId)),
      resolved: resolved.rowCount ?? 0,
    };
  };
}

export function buildMarkRefundRequested(pool: PoolProvider): MarkRefundRequested {
  return async (findingId: string, refundId: string | undefined): Promise<void> => {
    await (
      await pool()
    ).query(
      `UPDATE payments.reconciliation_findings
       SET status = 'refund-requested', refund_id = $2, updated_at = now()
       WHERE finding_id = $1 AND status = 'open'`,
      [findingId, refundId ?? null],
    );
  };
}
