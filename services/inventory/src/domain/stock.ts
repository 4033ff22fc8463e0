/**
 * Stock and reservations: the inventory service's model and the contract of its
 * internal API (P09). Pure: no AWS SDK here.
 */
import * as z from 'zod/mini';
import { orderIdSchema, skuSchema } from '@order-platform/shared/events/orders';

export interface StockLine {
  sku: string;
  quantity: number;
}

export type ReservationStatus = 'RESERVED' | 'RELEASED';

export interface Reservation {
  orderId: string;
  lines: StockLine[];
  status: ReservationStatus;
  reservedAt?: string;
  releasedAt?: string;
}

export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
  version: number;
  /** false for a SKU the table has never seen (reported as 0 available). */
  known: boolean;
}

/** A transaction holds at most 100 items: the reservation plus one per SKU. */
export const MAX_LINES = 50;

const lineSchema = z.object({
  sku: skuSchema,
  quantity: z.number().check(z.int(), z.positive(), z.maximum(1000)),
});

/** Fields the saga may send along (correlation id, order context) are accepted and ignored. */
export const reserveInputSchema = z.object({
  orderId: orderIdSchema,
  lines: z.array(lineSchema).check(z.minLength(1), z.maxLength(MAX_LINES)),
  correlationId: z.optional(z.string()),
});
export type ReserveInput = z.infer<typeof reserveInputSchema>;

export const releaseInputSchema = z.object({
  orderId: orderIdSchema,
  reason: z.optional(z.string().check(z.maxLength(500))),
  correlationId: z.optional(z.string()),
});
export type ReleaseInput = z.infer<typeof releaseInputSchema>;

export const getStockInputSchema = z.object({
  skus: z.array(skuSchema).check(z.minLength(1), z.maxLength(100)),
});
export type GetStockInput = z.infer<typeof getStockInputSchema>;

/**
 * `RESERVED`: the stock is held (also the answer to a repeated reserve).
 * `ALREADY_RELEASED`: this order's reservation was released (or released before it was
 * ever made); nothing was taken.
 */
export interface ReserveResult {
  orderId: string;
  status: 'RESERVED' | 'ALREADY_RELEASED';
  lines: StockLine[];
  reservedAt?: string;
  releasedAt?: string;
}

/** Always `RELEASED`; `lines` is what went back to stock (empty if nothing was ever reserved). */
export interface ReleaseResult {
  orderId: string;
  status: 'RELEASED';
  lines: StockLine[];
  releasedAt: string;
}

export interface GetStockResult {
  items: StockLevel[];
}

/**
 * One line per SKU, sorted: a transaction may touch an item only once, and a stable
 * order makes "the same request" comparable on a repeat.
 */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}

export function sameLines(a: readonly StockLine[], b: readonly StockLine[]): boolean {
  const x = mergeLines(a);
  const y = mergeLines(b);
  return x.length === y.length && x.every((l, i) => l.sku === y[i]!.sku && l.quantity === y[i]!.quantity);
}

export function toReserveResult(r: Reservation): ReserveResult {
  if (r.status === 'RELEASED') {
    return {
      orderId: r.orderId,
      status: 'ALREADY_RELEASED',
      lines: [],
      ...(r.releasedAt ? { releasedAt: r.releasedAt } : {}),
    };
  }
  return {
    orderId: r.orderId,
    status: 'RESERVED',
    lines: r.lines,
    ...(r.reservedAt ? { reservedAt: r.reservedAt } : {}),
  };
}

export function toReleaseResult(r: Reservation): ReleaseResult {
  return { orderId: r.orderId, status: 'RELEASED', lines: r.lines, releasedAt: r.releasedAt ?? '' };
}
