/**
 * The order aggregate: pure functions only. No AWS SDK here; adapters persist it and
 * handlers translate HTTP to these calls.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { currencySchema, orderLineSchema, type OrderLine } from '@order-platform/shared/events/orders';

export const ORDER_STATUSES = [
  'PLACED',
  'RESERVED',
  'PAYMENT_PENDING',
  'CONFIRMED',
  'FAILED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A customer may cancel until the payment is confirmed; the saga honours a cancel at any of these steps. */
export const CANCELLABLE_STATUSES: readonly OrderStatus[] = ['PLACED', 'RESERVED', 'PAYMENT_PENDING'];
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'FAILED', 'CANCELLED'];

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: number;
  currency: z.infer<typeof currencySchema>;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every write: the stream publisher derives event ids from it. */
  version: number;
  statusReason?: string;
  correlationId: string;
  /** Where receipts and the order confirmation go: the token's email claim, or the body's. */
  customerEmail?: string;
  /** The provider's payment id, once the charge was accepted. */
  paymentId?: string;
}

export const MAX_LINES = 50;

export const placeOrderInputSchema = z.strictObject({
  currency: currencySchema,
  /** Only for a token without an `email` claim: where the receipts go. */
  contactEmail: z.optional(z.email()),
  lines: z.array(orderLineSchema).check(
    z.minLength(1, 'an order needs at least one line'),
    z.maxLength(MAX_LINES, `an order has at most ${MAX_LINES} lines`),
    z.refine(
      (lines) => new Set(lines.map((l) => l.sku)).size === lines.length,
      'each SKU may appear only once',
    ),
  ),
});

export type PlaceOrderInput = z.infer<typeof placeOrderInputSchema>;

export const cancelOrderInputSchema = z.strictObject({
  reason: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(500)), 'cancelled by customer'),
});

export function orderTotal(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
}

export function newOrder(
  input: PlaceOrderInput,
  ids: { orderId: string; customerId: string; correlationId: string; customerEmail: string },
  now: Date,
): Order {
  const at = now.toISOString();
  return {
    orderId: ids.orderId,
    customerId: ids.customerId,
    customerEmail: ids.customerEmail,
    status: 'PLACED',
    lines: input.lines,
    total: orderTotal(input.lines),
    currency: input.currency,
    createdAt: at,
    updatedAt: at,
    version: 1,
    correlationId: ids.correlationId,
  };
}

export function isCancellable(status: OrderStatus): boolean {
  return CANCELLABLE_STATUSES.includes(status);
}

/** A stable fingerprint of a request, so an Idempotency-Key reused with another body is caught. */
export function requestFingerprint(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The public view of an order (what the API returns). */
export function toView(order: Order) {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    ...(order.customerEmail ? { contactEmail: order.customerEmail } : {}),
    lines: order.lines,
    total: order.total,
    currency: order.currency,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    ...(order.statusReason ? { statusReason: order.statusReason } : {}),
    // The provider's payment id once charged: what the customer's invoice and receipt name.
    ...(order.paymentId ? { paymentId: order.paymentId } : {}),
  };
}

export type OrderView = ReturnType<typeof toView>;
