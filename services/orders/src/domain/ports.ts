import type { Envelope } from '@order-platform/shared/events/envelope';
import type { Order, OrderStatus, OrderView, PricedProduct } from './order';

/**
 * Prices SKUs in a currency from the catalog (its internal API). Throws the shared 422
 * (UnprocessableError, naming the SKUs) for unknown, inactive or unpriced products and
 * DependencyError (503) when the catalog cannot answer.
 */
export type PriceLines = (
  currency: string,
  skus: string[],
  correlationId: string,
) => Promise<PricedProduct[]>;

/** Outcome of an idempotent create: either the new order, or the response first given for that key. */
export type SaveNewOrderResult =
  { created: true; order: Order } | { created: false; firstResponse: OrderView; fingerprint: string };

export type SaveNewOrder = (
  order: Order,
  idempotency?: { key: string; fingerprint: string; response: OrderView },
) => Promise<SaveNewOrderResult>;
export type GetOrder = (orderId: string) => Promise<Order | undefined>;

export interface OrderPage {
  orders: Order[];
  nextCursor?: string;
}
export type ListCustomerOrders = (
  customerId: string,
  opts: { limit: number; cursor?: string },
) => Promise<OrderPage>;

export type CancelOrderResult = { cancelled: true; order: Order } | { cancelled: false; current?: Order };
export type CancelOrder = (
  orderId: string,
  reason: string,
  correlationId: string,
  now: Date,
) => Promise<CancelOrderResult>;

export type PublishEvent = (event: Envelope<unknown>) => Promise<void>;

export type { OrderStatus };
