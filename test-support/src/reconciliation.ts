/**
 * The reconciliation check: does every order's money, stock, invoice and receipt add up?
 * Pure: a caller gathers the facts from wherever the platform keeps them (the saga
 * suite from its world, the e2e suite and a chaos run from the running platform's
 * engines) and this says what it checked and every violation.
 *
 * Invariants, for the orders a run placed:
 * - money: CONFIRMED ⇔ exactly one capture still held, equal to the order's total;
 *   FAILED or CANCELLED ⇒ nothing held (every capture refunded in full).
 * - stock: a FAILED or CANCELLED order holds no stock; per SKU, stock on hand plus stock
 *   held by confirmed orders equals stock received (when the caller knows both).
 * - billing (when the caller gathers it): one invoice per capture, one receipt per
 *   capture and one per refund.
 * - queues: every message left in a DLQ is accounted for (an expected one, named).
 */

export type FinalStatus = 'CONFIRMED' | 'FAILED' | 'CANCELLED';

export interface OrderFact {
  orderId: string;
  status: string;
  total: number;
  lines: { sku: string; quantity: number }[];
}

/** One payment id of an order, as the ledger has it. */
export interface MoneyFact {
  orderId: string;
  paymentId: string;
  captured: number;
  refunded: number;
}

export interface StockFact {
  sku: string;
  /** Everything ever received for the SKU (the adjustments' sum), when known. */
  received?: number;
  available: number;
  reserved: number;
  /** Stock the run did not place orders for but holds (other runs' confirmed orders). */
  heldElsewhere?: number;
}

export interface ReservationFact {
  orderId: string;
  status: 'RESERVED' | 'RELEASED' | 'NONE';
}

export interface ReconciliationFacts {
  orders: OrderFact[];
  money: MoneyFact[];
  stock?: StockFact[];
  reservations?: ReservationFact[];
  /** Payment ids that have an invoice; refunds and captures that have a receipt. */
  invoices?: { paymentId: string; count: number }[];
  /** Per capture: its invoice's document stored (S3), and its PaymentCaptured accounting export. */
  documents?: { paymentId: string; count: number }[];
  exports?: { paymentId: string; count: number }[];
  receipts?: { key: string; count: number }[];
  refunds?: { refundId: string; paymentId: string }[];
  /** Messages left in DLQs: queue name and a one-line description of each. */
  deadLetters?: { queue: string; message: string }[];
  /** DLQ messages the run caused on purpose (bad input, a poisoned event): queue → count. */
  expectedDeadLetters?: Record<string, number>;
}

export interface ReconciliationReport {
  checked: string[];
  violations: string[];
}

const held = (m: MoneyFact) => m.captured - m.refunded;

export function checkReconciliation(facts: ReconciliationFacts): ReconciliationReport {
  const checked: string[] = [];
  const violations: string[] = [];
  const moneyByOrder = new Map<string, MoneyFact[]>();
  for (const m of facts.money) {
    const list = moneyByOrder.get(m.orderId) ?? [];
    list.push(m);
    moneyByOrder.set(m.orderId, list);
  }

  const final = facts.orders.filter((o) => ['CONFIRMED', 'FAILED', 'CANCELLED'].includes(o.status));
  for (const o of facts.orders) {
    if (!final.includes(o)) violations.push(`${o.orderId}: not finished (${o.status})`);
  }
  for (const o of final) {
    const holding = (moneyByOrder.get(o.orderId) ?? []).filter((m) => held(m) !== 0);
    if (o.status === 'CONFIRMED') {
      if (holding.length !== 1)
        violations.push(
          `${o.orderId}: CONFIRMED holds ${holding.length} captures (${holding.map((m) => `${m.paymentId}=${held(m)}`).join(', ') || 'none'}), expected exactly one`,
        );
      else if (held(holding[0]!) !== o.total)
        violations.push(`${o.orderId}: CONFIRMED holds ${held(holding[0]!)}, its total is ${o.total}`);
    } else if (holding.length > 0) {
      violations.push(
        `${o.orderId}: ${o.status} still holds money (${holding.map((m) => `${m.paymentId}=${held(m)}`).join(', ')})`,
      );
    }
    for (const m of moneyByOrder.get(o.orderId) ?? []) {
      if (held(m) < 0) violations.push(`${o.orderId}: ${m.paymentId} refunded more than captured`);
    }
  }
  checked.push(`money: ${final.length} finished orders, ${facts.money.length} payments`);

  if (facts.reservations) {
    const byOrder = new Map(facts.reservations.map((r) => [r.orderId, r.status]));
    for (const o of final) {
      const r = byOrder.get(o.orderId) ?? 'NONE';
      if (o.status !== 'CONFIRMED' && r === 'RESERVED')
        violations.push(`${o.orderId}: ${o.status} but its stock is still reserved`);
      if (o.status === 'CONFIRMED' && r !== 'RESERVED')
        violations.push(`${o.orderId}: CONFIRMED but its stock is ${r}`);
    }
    checked.push(`reservations: ${facts.reservations.length}`);
  }

  if (facts.stock) {
    for (const s of facts.stock) {
      const confirmedQty = final
        .filter((o) => o.status === 'CONFIRMED')
        .flatMap((o) => o.lines)
        .filter((l) => l.sku === s.sku)
        .reduce((n, l) => n + l.quantity, 0);
      const heldQty = confirmedQty + (s.heldElsewhere ?? 0);
      if (s.reserved !== heldQty)
        violations.push(`${s.sku}: ${s.reserved} reserved, confirmed orders hold ${heldQty}`);
      if (s.received !== undefined && s.available + s.reserved !== s.received)
        violations.push(`${s.sku}: on hand ${s.available} + held ${s.reserved} != received ${s.received}`);
    }
    checked.push(`stock: ${facts.stock.length} SKUs`);
  }

  if (facts.invoices) {
    const invoices = new Map(facts.invoices.map((i) => [i.paymentId, i.count]));
    for (const m of facts.money.filter((x) => x.captured > 0)) {
      const n = invoices.get(m.paymentId) ?? 0;
      if (n !== 1) violations.push(`${m.orderId}: capture ${m.paymentId} has ${n} invoices, expected 1`);
    }
    checked.push(`invoices: ${facts.invoices.length}`);
  }

  for (const [name, list] of [
    ['invoice documents', facts.documents],
    ['accounting exports', facts.exports],
  ] as const) {
    if (!list) continue;
    const found = new Map(list.map((d) => [d.paymentId, d.count]));
    for (const m of facts.money.filter((x) => x.captured > 0)) {
      const n = found.get(m.paymentId) ?? 0;
      if (n !== 1) violations.push(`${m.orderId}: capture ${m.paymentId} has ${n} ${name}, expected 1`);
    }
    checked.push(`${name}: ${list.length}`);
  }

  if (facts.receipts) {
    const receipts = new Map(facts.receipts.map((r) => [r.key, r.count]));
    const expectOne = (key: string, what: string) => {
      const n = receipts.get(key) ?? 0;
      if (n !== 1) violations.push(`${what}: ${n} receipts, expected 1`);
    };
    for (const m of facts.money.filter((x) => x.captured > 0))
      expectOne(`payment:${m.paymentId}:captured`, `capture ${m.paymentId}`);
    for (const r of facts.refunds ?? []) expectOne(`refund:${r.refundId}`, `refund ${r.refundId}`);
    checked.push(`receipts: ${facts.receipts.length}`);
  }

  if (facts.deadLetters) {
    const expected = { ...facts.expectedDeadLetters };
    for (const d of facts.deadLetters) {
      if ((expected[d.queue] ?? 0) > 0) expected[d.queue]!--;
      else violations.push(`unexplained message in ${d.queue}: ${d.message}`);
    }
    checked.push(`dead letters: ${facts.deadLetters.length}`);
  }
  return { checked, violations };
}

export function formatReport(report: ReconciliationReport): string {
  return [
    `reconciliation: checked ${report.checked.join('; ')}`,
    ...(report.violations.length ? report.violations.map((v) => `  VIOLATION ${v}`) : ['  no violations']),
  ].join('\n');
}

/** Anything that runs a Postgres query (a pg Pool or Client). */
export interface Queryable {
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** The payments ledger's money per payment id of these orders (captured, refunded). */
export async function ledgerMoney(db: Queryable, orderIds: string[]): Promise<MoneyFact[]> {
  const rows = await db.query<{ order_id: string; payment_id: string; captured: string; refunded: string }>(
    `SELECT order_id, payment_id,
            coalesce(sum(amount) FILTER (WHERE kind = 'payment.succeeded'), 0) AS captured,
            coalesce(sum(amount) FILTER (WHERE kind = 'refund.succeeded'), 0) AS refunded
     FROM payments.ledger_entries WHERE order_id = ANY($1::text[])
     GROUP BY order_id, payment_id`,
    [orderIds],
  );
  return rows.rows.map((r) => ({
    orderId: r.order_id,
    paymentId: r.payment_id,
    captured: Number(r.captured),
    refunded: Number(r.refunded),
  }));
}
