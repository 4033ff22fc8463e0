/**
 * The order aggregate: pure functions only. No AWS SDK here; adapters persist it and
 * handlers translate HTTP to these calls.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { currencySchema, skuSchema, type OrderLine } from '@order-platform/shared/events/orders';

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

/**
 * What a customer asks for: a SKU and a quantity. The price, the currency's availability
 * and the kind come from the catalog when the order is placed, never from the client.
 */
export const orderLineInputSchema = z.strictObject({
  sku: skuSchema,
  quantity: z.number().check(z.int(), z.positive(), z.maximum(1000)),
});

export const placeOrderInputSchema = z.strictObject({
  currency: currencySchema,
  /** Only for a token without an `email` claim: where the receipts go. */
  contactEmail: z.optional(z.email()),
  lines: z.array(orderLineInputSchema).check(
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

/** Keys a client may think it can set on a line, and why it cannot. */
const PLATFORM_OWNED_LINE_KEYS: Record<string, string> = {
  unitPrice: 'prices come from the catalog: send only sku and quantity',
  kind: 'the kind comes from the catalog: send only sku and quantity',
};

/**
 * The 400 a client gets for setting what the platform owns, before the schema's generic
 * "unrecognized key" would: it says what to do instead. Empty when there is nothing to say.
 */
export function platformOwnedFields(body: unknown): { path: string; message: string }[] {
  const lines = (body as { lines?: unknown } | null)?.lines;
  if (!Array.isArray(lines)) return [];
  return lines.flatMap((line, i) =>
    line && typeof line === 'object'
      ? Object.keys(line)
          // Own keys only: `constructor`, `toString` or `__proto__` are "in" any object.
          .filter((k) => Object.hasOwn(PLATFORM_OWNED_LINE_KEYS, k))
          .map((k) => ({ path: `lines.${i}.${k}`, message: PLATFORM_OWNED_LINE_KEYS[k]! }))
      : [],
  );
}

/** A product as the catalog priced it for the order's currency. */
export interface PricedProduct {
  sku: string;
  kind: OrderLine['kind'];
  unitPrice: number;
}

/** The order's lines at the prices of the moment it is placed (kept: a later change never moves them). */
export function pricedLines(input: PlaceOrderInput, prices: readonly PricedProduct[]): OrderLine[] {
  const bySku = new Map(prices.map((p) => [p.sku, p]));
  return input.lines.map((l) => {
    const p = bySku.get(l.sku);
    if (!p) throw new Error(`The catalog did not price ${l.sku}`);
    return { sku: l.sku, quantity: l.quantity, unitPrice: p.unitPrice, kind: p.kind };
  });
}

export function newOrder(
  input: Omit<PlaceOrderInput, 'lines'> & { lines: OrderLine[] },
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
