/**
 * The order item of the orders table, as it reaches us on the table's stream. This is a
 * contract between two services, so it is written down here, not imported from the
 * orders service's code: the projector depends on the shape of the data, never on the
 * producer's modules.
 *
 * Tolerant reader: unknown attributes are ignored and any upper-case status is accepted
 * (only CONFIRMED counts as a sale), so the producer can add fields and states without
 * breaking the projection. What the read model cannot do without (ids, money, version,
 * timestamps) is required; a record without it is a PermanentError (it is parked in the
 * failure queue, never retried).
 */
import * as z from 'zod/mini';
import '@order-platform/shared/zod-locale';
import { PermanentError } from '@order-platform/shared/errors';

export const SALE_STATUS = 'CONFIRMED';

const int = () => z.number().check(z.int());

const lineSchema = z.object({
  sku: z.string().check(z.minLength(1), z.maxLength(64)),
  quantity: int().check(z.positive()),
  unitPrice: int().check(z.nonnegative()),
});

export const orderItemSchema = z.object({
  SK: z.literal('ORDER'),
  entity: z.literal('Order'),
  orderId: z.string().check(z.minLength(1), z.maxLength(64)),
  customerId: z.string().check(z.minLength(1), z.maxLength(64)),
  status: z.string().check(z.regex(/^[A-Z_]{1,32}$/, 'must be an upper-case status')),
  lines: z
    .array(lineSchema)
    .check(
      z.refine(
        (lines) => new Set(lines.map((l) => l.sku)).size === lines.length,
        'each SKU must appear once',
      ),
    ),
  total: int().check(z.nonnegative()),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Incremented by the producer on every write: the guard of the projection. */
  version: int().check(z.positive()),
});

export type OrderItem = z.infer<typeof orderItemSchema>;

/** One order as the read model stores it. */
export interface OrderRow {
  orderId: string;
  customerId: string;
  status: string;
  currency: string;
  total: number;
  units: number;
  /** The UTC day the order was placed: the day its sale counts for. Never changes. */
  orderDate: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** A tombstone: the item was deleted from the orders table. */
  deleted: boolean;
  lines: { sku: string; quantity: number; unitPrice: number }[];
}

/** A stream record after unmarshalling (plain JS values). */
export interface RawChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' | undefined;
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
}

export function toRow(item: OrderItem, deleted = false): OrderRow {
  return {
    orderId: item.orderId,
    customerId: item.customerId,
    status: item.status,
    currency: item.currency,
    total: item.total,
    units: item.lines.reduce((n, l) => n + l.quantity, 0),
    orderDate: item.createdAt.slice(0, 10),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
    deleted,
    lines: item.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })),
  };
}

function parseItem(image: Record<string, unknown> | undefined, which: string): OrderItem {
  const result = orderItemSchema.safeParse(image);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PermanentError(`Order ${which} image breaks the contract: ${issues}`);
  }
  return result.data;
}

/**
 * What a stream record means for the read model: an order row to upsert (a tombstone
 * for a REMOVE), or undefined for items that are not orders (idempotency records).
 */
export function rowFromChange(change: RawChange): OrderRow | undefined {
  if (change.keys.SK !== 'ORDER') return undefined;
  if (change.eventName === 'REMOVE') {
    const old = parseItem(change.oldImage, 'old');
    // The tombstone outranks every write that happened before the delete.
    return toRow({ ...old, version: old.version + 1 }, true);
  }
  if (change.eventName === 'INSERT' || change.eventName === 'MODIFY')
    return toRow(parseItem(change.newImage, 'new'));
  throw new PermanentError(`Unknown stream event ${String(change.eventName)}`);
}

/** Orders the guard compares rows by: version first, then updatedAt. */
export function isNewer(
  a: Pick<OrderRow, 'version' | 'updatedAt'>,
  b: Pick<OrderRow, 'version' | 'updatedAt'>,
): boolean {
  return a.version > b.version || (a.version === b.version && a.updatedAt > b.updatedAt);
}

/**
 * The newest row per order in a batch. The guard makes every older row a no-op anyway,
 * so collapsing first lets one set-based statement apply the whole batch.
 */
export function latestPerOrder(rows: readonly OrderRow[]): OrderRow[] {
  const latest = new Map<string, OrderRow>();
  for (const row of rows) {
    const seen = latest.get(row.orderId);
    if (!seen || isNewer(row, seen)) latest.set(row.orderId, row);
  }
  return [...latest.values()];
}
