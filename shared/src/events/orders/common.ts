import * as z from 'zod/mini';

export const ORDERS_SOURCE = 'order-platform.orders';

export const orderIdSchema = z
  .string()
  .check(z.regex(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an order id (ord_ + ULID)'));
export const customerIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{3,64}$/, 'must be 3-64 letters, digits, _ or -'));
export const skuSchema = z
  .string()
  .check(z.regex(/^[A-Z0-9][A-Z0-9-]{1,39}$/, 'must be an upper-case SKU of 2-40 characters'));
export const currencySchema = z.enum(['EUR', 'USD', 'GBP']);

/** Minor units (cents): money is never a float. */
export const moneySchema = z.number().check(z.int(), z.nonnegative());

export const orderLineSchema = z.strictObject({
  sku: skuSchema,
  quantity: z.number().check(z.int(), z.positive(), z.maximum(1000)),
  unitPrice: moneySchema.check(z.maximum(10_000_000)),
  /** The catalog's kind of the product (fulfilment routes on it). */
  kind: z._default(z.enum(['physical', 'digital', 'giftcard']), 'physical'),
});

export type OrderLine = z.infer<typeof orderLineSchema>;
export type ProductKind = OrderLine['kind'];

export const reasonSchema = z.string().check(z.minLength(1), z.maxLength(500));
