/** Test helpers for the reporting service's component tests (real Postgres, Redis, moto). */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDatabase } from '@order-platform/test-support/engines';
import { migrate } from '../src/adapters/migrations';
import type { Db } from '../src/adapters/read-model';

export interface ReadModelDb {
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh database with the reporting schema, on the run's shared Postgres. */
export async function freshReadModel(serverUrl: string, label = 'rpt'): Promise<ReadModelDb> {
  const url = await createDatabase(serverUrl, `${label}_${randomUUID().slice(0, 8)}`);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await migrate(pool);
  return { url, pool, close: () => pool.end() };
}

/** Every table of the read model, rows sorted, as plain JSON: for equality checks. */
export async function dumpReadModel(db: Pick<pg.Pool, 'query'>) {
  // to_jsonb: dates and timestamps as text, bigint as numbers, no driver conversions.
  const q = async (table: string, orderBy: string) =>
    (
      await db.query<{ row: unknown }>(
        `SELECT to_jsonb(t) AS row FROM reporting.${table} t ORDER BY ${orderBy}`,
      )
    ).rows.map((r) => r.row);
  return {
    orders: await q('orders', 'order_id'),
    order_lines: await q('order_lines', 'order_id, sku'),
    daily_sales: await q('daily_sales', 'day, currency'),
    customer_summaries: await q('customer_summaries', 'customer_id, currency'),
  };
}

/** Wraps a pool so a test can count the queries a code path sends (P05: Postgres only on a miss). */
export function countingDb(pool: pg.Pool): { db: Db; count: () => number; reset: () => void } {
  let n = 0;
  const db: Db = {
    query: ((...args: Parameters<pg.Pool['query']>) => {
      n++;
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as pg.Pool['query'],
    connect: pool.connect.bind(pool) as pg.Pool['connect'],
  };
  return { db, count: () => n, reset: () => (n = 0) };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function orderId(): string {
  const bytes = randomBytes(26);
  return `ord_${[...bytes].map((b) => CROCKFORD[b % 32]).join('')}`;
}

export interface OrderItemInit {
  orderId?: string;
  customerId?: string;
  status?: string;
  currency?: 'EUR' | 'USD' | 'GBP';
  lines?: { sku: string; quantity: number; unitPrice: number; kind?: string }[];
  createdAt?: string;
  updatedAt?: string;
  version?: number;
}

/** An order item exactly as the orders table stores it (see the orders-table adapter's doc). */
export function orderItem(init: OrderItemInit = {}): Record<string, unknown> {
  const id = init.orderId ?? orderId();
  const customerId = init.customerId ?? 'c-test';
  const createdAt = init.createdAt ?? '2026-11-20T10:00:00.000Z';
  const lines = (init.lines ?? [{ sku: 'SKU-1', quantity: 1, unitPrice: 1000 }]).map((l) => ({
    kind: 'physical',
    ...l,
  }));
  return {
    PK: `ORDER#${id}`,
    SK: 'ORDER',
    entity: 'Order',
    GSI1PK: `CUSTOMER#${customerId}`,
    GSI1SK: `${createdAt}#${id}`,
    orderId: id,
    customerId,
    status: init.status ?? 'PLACED',
    lines,
    total: lines.reduce((n, l) => n + l.quantity * l.unitPrice, 0),
    currency: init.currency ?? 'EUR',
    createdAt,
    updatedAt: init.updatedAt ?? createdAt,
    version: init.version ?? 1,
    correlationId: randomUUID(),
  };
}
