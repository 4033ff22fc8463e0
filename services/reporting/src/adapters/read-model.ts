/**
 * The Postgres read model (schema `reporting`, see migrations.ts).
 *
 * Writes (projector, rollup) go through one transaction each:
 * 1. lock the current rows of the orders in the batch (their old day/customer count too);
 * 2. one set-based UPSERT whose `WHERE (excluded.version, excluded.updated_at) >
 *    (o.version, o.updated_at)` is the guard: an older or repeated record changes nothing;
 * 3. replace the lines of the rows that moved;
 * 4. take a transaction-scoped advisory lock per affected day and customer, in one
 *    global order (no deadlocks), then recompute those aggregates from the rows. Under
 *    READ COMMITTED each statement sees everything committed before the lock was granted,
 *    so two projector invocations touching the same day cannot lose each other's orders.
 *
 * Reads are one query per report: the cache counts on that ("Postgres queried once per
 * miss").
 */
import { inTransaction } from '@order-platform/shared/db/postgres';
import type pg from 'pg';
import type {
  AffectedKeys,
  ApplyRows,
  CustomerSummary,
  DailySalesReport,
  QueryCustomerSummary,
  QueryDailySales,
  QueryTopProducts,
  RecomputeDays,
  TopProduct,
} from '../domain/ports';
import type { OrderRow } from '../domain/order-item';

/** The slice of a pg Pool the read model uses (so tests can count queries). */
export type Db = Pick<pg.Pool, 'query' | 'connect'>;
type Tx = Pick<pg.PoolClient, 'query'>;

export function inTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(db, fn);
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const num = (v: unknown) => Number(v ?? 0);

const UPSERT_ORDERS = `
  INSERT INTO reporting.orders AS o
    (order_id, customer_id, status, currency, total, units, order_date, created_at, updated_at, version, deleted)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::date[],
                       $8::timestamptz[], $9::timestamptz[], $10::int[], $11::bool[])
  ON CONFLICT (order_id) DO UPDATE SET
    customer_id = excluded.customer_id, status = excluded.status, currency = excluded.currency,
    total = excluded.total, units = excluded.units, order_date = excluded.order_date,
    created_at = excluded.created_at, updated_at = excluded.updated_at,
    version = excluded.version, deleted = excluded.deleted
  WHERE (excluded.version, excluded.updated_at) > (o.version, o.updated_at)
  RETURNING order_id, customer_id, order_date::text AS order_date`;

const RECOMPUTE_DAYS = `
  WITH fresh AS (
    SELECT order_date AS day, currency, count(*)::int AS orders, sum(units)::int AS units,
           sum(total)::bigint AS revenue, max(updated_at) AS last_order_update
    FROM reporting.orders
    WHERE order_date = ANY($1::date[]) AND status = 'CONFIRMED' AND NOT deleted
    GROUP BY order_date, currency
  ), upserted AS (
    INSERT INTO reporting.daily_sales AS d (day, currency, orders, units, revenue, last_order_update)
    SELECT * FROM fresh
    ON CONFLICT (day, currency) DO UPDATE SET
      orders = excluded.orders, units = excluded.units, revenue = excluded.revenue,
      last_order_update = excluded.last_order_update
    WHERE (d.orders, d.units, d.revenue, d.last_order_update)
      IS DISTINCT FROM (excluded.orders, excluded.units, excluded.revenue, excluded.last_order_update)
    RETURNING day
  ), removed AS (
    DELETE FROM reporting.daily_sales d
    WHERE d.day = ANY($1::date[]) AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.day = d.day AND f.currency = d.currency)
    RETURNING day
  )
  SELECT day::text AS key FROM upserted UNION ALL SELECT day::text FROM removed`;

const RECOMPUTE_CUSTOMERS = `
  WITH fresh AS (
    SELECT customer_id, currency, count(*)::int AS orders,
           (count(*) FILTER (WHERE status = 'CONFIRMED'))::int AS confirmed,
           (count(*) FILTER (WHERE status = 'CANCELLED'))::int AS cancelled,
           (count(*) FILTER (WHERE status = 'FAILED'))::int AS failed,
           coalesce(sum(total) FILTER (WHERE status = 'CONFIRMED'), 0)::bigint AS spent,
           min(created_at) AS first_order_at, max(created_at) AS last_order_at, max(updated_at) AS last_order_update
    FROM reporting.orders
    WHERE customer_id = ANY($1::text[]) AND NOT deleted
    GROUP BY customer_id, currency
  ), upserted AS (
    INSERT INTO reporting.customer_summaries AS c
      (customer_id, currency, orders, confirmed, cancelled, failed, spent, first_order_at, last_order_at, last_order_update)
    SELECT * FROM fresh
    ON CONFLICT (customer_id, currency) DO UPDATE SET
      orders = excluded.orders, confirmed = excluded.confirmed, cancelled = excluded.cancelled,
      failed = excluded.failed, spent = excluded.spent, first_order_at = excluded.first_order_at,
      last_order_at = excluded.last_order_at, last_order_update = excluded.last_order_update
    WHERE (c.orders, c.confirmed, c.cancelled, c.failed, c.spent, c.first_order_at, c.last_order_at, c.last_order_update)
      IS DISTINCT FROM (excluded.orders, excluded.confirmed, excluded.cancelled, excluded.failed, excluded.spent,
                        excluded.first_order_at, excluded.last_order_at, excluded.last_order_update)
    RETURNING customer_id
  ), removed AS (
    DELETE FROM reporting.customer_summaries c
    WHERE c.customer_id = ANY($1::text[])
      AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.customer_id = c.customer_id AND f.currency = c.currency)
    RETURNING customer_id
  )
  SELECT customer_id AS key FROM upserted UNION ALL SELECT customer_id FROM removed`;

/**
 * Serialises recomputes of the same day or customer across transactions. One global
 * order (sorted names) means two transactions can never wait on each other in a cycle.
 */
async function lockAggregates(tx: Tx, days: readonly string[], customers: readonly string[]): Promise<void> {
  const names = sorted([
    ...days.map((d) => `reporting.day:${d}`),
    ...customers.map((c) => `reporting.customer:${c}`),
  ]);
  if (names.length === 0) return;
  await tx.query(
    'SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY n',
    [names],
  );
}

/** Recomputes aggregates of the given keys (caller holds the locks); returns the keys whose rows changed. */
async function recompute(
  tx: Tx,
  days: readonly string[],
  customers: readonly string[],
): Promise<AffectedKeys> {
  const changedDays = days.length
    ? (await tx.query<{ key: string }>(RECOMPUTE_DAYS, [days])).rows.map((r) => r.key)
    : [];
  const changedCustomers = customers.length
    ? (await tx.query<{ key: string }>(RECOMPUTE_CUSTOMERS, [customers])).rows.map((r) => r.key)
    : [];
  return { days: sorted(changedDays), customers: sorted(changedCustomers) };
}

export function buildApplyRows(db: Db): ApplyRows {
  return async (rows) => {
    if (rows.length === 0) return { applied: 0, affected: { days: [], customers: [] } };
    return inTx(db, async (tx) => {
      const ids = rows.map((r) => r.orderId);
      // The current keys of these orders: recompute where they were as well as where they are.
      const before = await tx.query<{ order_id: string; customer_id: string; order_date: string }>(
        'SELECT order_id, customer_id, order_date::text AS order_date FROM reporting.orders WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE',
        [ids],
      );
      const col = <K extends keyof OrderRow>(k: K) => rows.map((r) => r[k]);
      const moved = await tx.query<{ order_id: string; customer_id: string; order_date: string }>(
        UPSERT_ORDERS,
        [
          ids,
          col('customerId'),
          col('status'),
          col('currency'),
          col('total'),
          col('units'),
          col('orderDate'),
          col('createdAt'),
          col('updatedAt'),
          col('version'),
          col('deleted'),
        ],
      );
      if (moved.rows.length === 0) return { applied: 0, affected: { days: [], customers: [] } };

      const movedIds = new Set(moved.rows.map((r) => r.order_id));
      const lines = rows
        .filter((r) => movedIds.has(r.orderId))
        .flatMap((r) => r.lines.map((l) => ({ orderId: r.orderId, ...l })));
      await tx.query('DELETE FROM reporting.order_lines WHERE order_id = ANY($1::text[])', [[...movedIds]]);
      if (lines.length) {
        await tx.query(
          'INSERT INTO reporting.order_lines (order_id, sku, quantity, unit_price) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])',
          [
            lines.map((l) => l.orderId),
            lines.map((l) => l.sku),
            lines.map((l) => l.quantity),
            lines.map((l) => l.unitPrice),
          ],
        );
      }
      const movedBefore = before.rows.filter((r) => movedIds.has(r.order_id));
      const days = sorted([...moved.rows.map((r) => r.order_date), ...movedBefore.map((r) => r.order_date)]);
      const customers = sorted([
        ...moved.rows.map((r) => r.customer_id),
        ...movedBefore.map((r) => r.customer_id),
      ]);
      await lockAggregates(tx, days, customers);
      return { applied: movedIds.size, affected: await recompute(tx, days, customers) };
    });
  };
}

function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Customers per transaction in a rollup: bounds the advisory locks one transaction holds. */
const CUSTOMER_CHUNK = 200;

export function buildRecomputeDays(db: Db): RecomputeDays {
  return async (from, to) => {
    const days = dayRange(from, to);
    const changedDays = await inTx(db, async (tx) => {
      await lockAggregates(tx, days, []);
      return (await recompute(tx, days, [])).days;
    });
    const customers = (
      await db.query<{ customer_id: string }>(
        'SELECT DISTINCT customer_id FROM reporting.orders WHERE order_date BETWEEN $1::date AND $2::date ORDER BY customer_id',
        [from, to],
      )
    ).rows.map((r) => r.customer_id);
    const changedCustomers: string[] = [];
    for (let i = 0; i < customers.length; i += CUSTOMER_CHUNK) {
      const chunk = customers.slice(i, i + CUSTOMER_CHUNK);
      changedCustomers.push(
        ...(await inTx(db, async (tx) => {
          await lockAggregates(tx, [], chunk);
          return (await recompute(tx, [], chunk)).customers;
        })),
      );
    }
    return {
      days: days.length,
      customers: customers.length,
      corrected: changedDays.length + changedCustomers.length,
      affected: { days: changedDays, customers: changedCustomers },
    };
  };
}

// ---- Reports: one query each ---------------------------------------------------------------

export function buildQueryDailySales(db: Pick<Db, 'query'>): QueryDailySales {
  return async (from, to) => {
    const { rows } = await db.query<{
      day: string;
      currency: string;
      orders: number;
      units: number;
      revenue: string;
    }>(
      `SELECT day::text AS day, currency, orders, units, revenue FROM reporting.daily_sales
       WHERE day BETWEEN $1::date AND $2::date ORDER BY day, currency`,
      [from, to],
    );
    const days = rows.map((r) => ({
      day: r.day,
      currency: r.currency,
      orders: r.orders,
      units: r.units,
      revenue: num(r.revenue),
    }));
    const totals = new Map<string, { currency: string; orders: number; units: number; revenue: number }>();
    for (const d of days) {
      const t = totals.get(d.currency) ?? { currency: d.currency, orders: 0, units: 0, revenue: 0 };
      t.orders += d.orders;
      t.units += d.units;
      t.revenue += d.revenue;
      totals.set(d.currency, t);
    }
    const report: DailySalesReport = {
      from,
      to,
      days,
      totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    };
    return report;
  };
}

export function buildQueryCustomerSummary(db: Pick<Db, 'query'>): QueryCustomerSummary {
  return async (customerId) => {
    const { rows } = await db.query<{
      currency: string;
      orders: number;
      confirmed: number;
      cancelled: number;
      failed: number;
      spent: string;
      first_order_at: Date;
      last_order_at: Date;
    }>(
      `SELECT currency, orders, confirmed, cancelled, failed, spent, first_order_at, last_order_at
       FROM reporting.customer_summaries WHERE customer_id = $1 ORDER BY currency`,
      [customerId],
    );
    const sum = (k: 'orders' | 'confirmed' | 'cancelled' | 'failed') => rows.reduce((n, r) => n + r[k], 0);
    const total = sum('orders');
    const confirmed = sum('confirmed');
    const cancelled = sum('cancelled');
    const failed = sum('failed');
    const times = (k: 'first_order_at' | 'last_order_at') => rows.map((r) => r[k].toISOString()).sort();
    const summary: CustomerSummary = {
      customerId,
      orders: { total, confirmed, cancelled, failed, open: total - confirmed - cancelled - failed },
      spent: rows
        .filter((r) => num(r.spent) > 0)
        .map((r) => ({ currency: r.currency, amount: num(r.spent) })),
      firstOrderAt: times('first_order_at')[0] ?? null,
      lastOrderAt: times('last_order_at').at(-1) ?? null,
    };
    return summary;
  };
}

export function buildQueryTopProducts(db: Pick<Db, 'query'>): QueryTopProducts {
  return async (limit) => {
    const { rows } = await db.query<{
      sku: string;
      units: string;
      orders: string;
      revenue: Record<string, number>;
    }>(
      `WITH per_currency AS (
         SELECT l.sku, o.currency, sum(l.quantity) AS units, count(*) AS orders, sum(l.quantity * l.unit_price) AS revenue
         FROM reporting.order_lines l JOIN reporting.orders o USING (order_id)
         WHERE o.status = 'CONFIRMED' AND NOT o.deleted
         GROUP BY l.sku, o.currency
       )
       SELECT sku, sum(units) AS units, sum(orders) AS orders, jsonb_object_agg(currency, revenue) AS revenue
       FROM per_currency GROUP BY sku ORDER BY sum(units) DESC, sku LIMIT $1`,
      [limit],
    );
    return rows.map((r): TopProduct => ({
      sku: r.sku,
      units: num(r.units),
      orders: num(r.orders),
      revenue: r.revenue,
    }));
  };
}
