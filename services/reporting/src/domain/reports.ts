/**
 * The reports (P05): input rules, who may read what, cache keys and TTLs. Each report
 * reads through the cache; Postgres is only queried on a miss.
 *
 * Cache namespaces (the unit of invalidation):
 * - `sales`: daily sales of any range and the top products. Any confirmed or cancelled
 *   order starts a new generation; ranges are too many to enumerate, one namespace
 *   generation drops them all at once.
 * - `customer:<id>`: one customer's summary.
 */
import * as z from 'zod/mini';
import '@order-platform/shared/zod-locale';
import { ForbiddenError } from '@order-platform/shared/errors';
import type { Principal } from '@order-platform/shared/principal';
import type { ReadThrough } from './cache';
import type { AffectedKeys, QueryCustomerSummary, QueryDailySales, QueryTopProducts } from './ports';

export const MAX_RANGE_DAYS = 366;
export const MAX_TOP_LIMIT = 50;

export const TTL_MS = {
  dailySales: 5 * 60_000,
  topProducts: 5 * 60_000,
  customerSummary: 10 * 60_000,
} as const;

export const SALES_NAMESPACE = 'sales';
export const customerNamespace = (customerId: string) => `customer:${customerId}`;

const DAY_MS = 86_400_000;

function isCalendarDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export const isoDateSchema = z
  .string()
  .check(
    z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date (YYYY-MM-DD)'),
    z.refine(isCalendarDate, 'is not a calendar date'),
  );

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

export const salesQuerySchema = z.strictObject({ from: isoDateSchema, to: isoDateSchema }).check(
  z.refine((q) => q.from <= q.to, { error: 'from must not be after to', path: ['from'] }),
  z.refine((q) => q.from > q.to || daysBetween(q.from, q.to) <= MAX_RANGE_DAYS, {
    error: `the range may span at most ${MAX_RANGE_DAYS} days`,
    path: ['to'],
  }),
);

export const topQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_TOP_LIMIT)), 10),
});

export const customerIdParamSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{3,64}$/, 'must be 3-64 letters, digits, _ or -'));

function requireAdmin(principal: Principal, what: string): void {
  if (principal.role !== 'admin') throw new ForbiddenError(`${what} is for administrators only`);
}

export function assertMayReadCustomer(principal: Principal, customerId: string): void {
  if (principal.role !== 'admin' && principal.customerId !== customerId) {
    throw new ForbiddenError('You may only read your own reports');
  }
}

export function dailySalesReport(cache: ReadThrough, query: QueryDailySales) {
  return async (q: { from: string; to: string }, principal: Principal) => {
    requireAdmin(principal, 'The sales report');
    return cache(
      {
        namespace: SALES_NAMESPACE,
        key: `daily:${q.from}:${q.to}`,
        ttlMs: TTL_MS.dailySales,
        report: 'DailySales',
      },
      () => query(q.from, q.to),
    );
  };
}

export function topProductsReport(cache: ReadThrough, query: QueryTopProducts) {
  return async (q: { limit: number }, principal: Principal) => {
    requireAdmin(principal, 'The top products report');
    return cache(
      { namespace: SALES_NAMESPACE, key: `top:${q.limit}`, ttlMs: TTL_MS.topProducts, report: 'TopProducts' },
      () => query(q.limit),
    );
  };
}

export function customerSummaryReport(cache: ReadThrough, query: QueryCustomerSummary) {
  return async (customerId: string, principal: Principal) => {
    assertMayReadCustomer(principal, customerId);
    return cache(
      {
        namespace: customerNamespace(customerId),
        key: 'summary',
        ttlMs: TTL_MS.customerSummary,
        report: 'CustomerSummary',
      },
      () => query(customerId),
    );
  };
}

/** The cache namespaces a read-model change makes stale. */
export function namespacesFor(affected: AffectedKeys): string[] {
  return [...(affected.days.length ? [SALES_NAMESPACE] : []), ...affected.customers.map(customerNamespace)];
}
