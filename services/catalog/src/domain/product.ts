/**
 * The catalog's model: products with a price per currency in minor units. Pure: no AWS
 * SDK here.
 */
import * as z from 'zod/mini';
import { currencySchema, skuSchema } from '@order-platform/shared/events/orders/common';

export { skuSchema };

export const KINDS = ['physical', 'digital', 'giftcard'] as const;
export type Kind = (typeof KINDS)[number];
export const kindSchema = z.enum(KINDS);

/** The currencies the platform takes payments in (the orders service's list). */
export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export type Currency = z.infer<typeof currencySchema>;
export { currencySchema };

/** The largest price a row may carry: 100,000.00 in any currency. */
export const MAX_MINOR_UNITS = 10_000_000;
/** The largest stock count a row may set. */
export const MAX_STOCK = 10_000_000;

export type Prices = Partial<Record<Currency, number>>;

export interface Product {
  sku: string;
  name: string;
  kind: Kind;
  /** Minor units (cents) per currency the product is offered in: `{ EUR: 1250, USD: 1350 }`. */
  prices: Prices;
  active: boolean;
  /** Starts at 1, +1 on every change of name, kind, prices or active. */
  version: number;
  updatedAt: string;
}

/** What an import wrote last, stamped on the item so a retried chunk counts the same. */
export type ImportOutcome = 'created' | 'updated' | 'deactivated';

export interface StoredProduct extends Product {
  importJobId?: string;
  importOutcome?: ImportOutcome;
}

/** The public view of a product (the API and the internal API): no bookkeeping fields. */
export function toView(p: Product): Product {
  return {
    sku: p.sku,
    name: p.name,
    kind: p.kind,
    prices: p.prices,
    active: p.active,
    version: p.version,
    updatedAt: p.updatedAt,
  };
}

function samePrices(a: Prices, b: Prices): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<Currency>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** True when the stored product already says what the row says (and is active). */
export function sameContent(p: Product, row: { name: string; kind: Kind; prices: Prices }): boolean {
  return p.active && p.name === row.name && p.kind === row.kind && samePrices(p.prices, row.prices);
}
