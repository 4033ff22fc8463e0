import type { SendOrderConfirmationV1 } from '@order-platform/shared/events/billing/index';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { Order, OrderStatus, OrderView, PricedProduct } from './order';
import type { SagaTarget } from './saga';

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

/** Hands "send the order confirmation" to the receipts service (fire and forget, P10). */
export type HandoffOrderConfirmation = (command: Envelope<SendOrderConfirmationV1>) => Promise<void>;

// ---- the order saga's ports (P03): its order-status tasks and the payment wait ----------

/** What the provider said about the order's payment, kept on the order until the saga reads it. */
export type PaymentOutcome =
  { status: 'SUCCEEDED'; paymentId: string } | { status: 'FAILED'; paymentId: string; reason: string };

/** The order as the saga's store sees it: with the saga's own bookkeeping. */
export type SagaOrder = Order & {
  sagaExecutionId?: string;
  taskToken?: string;
  paymentId?: string;
  paymentOutcome?: PaymentOutcome;
};

export interface TransitionInput {
  orderId: string;
  to: SagaTarget;
  reason?: string;
  paymentId?: string;
  correlationId: string;
  now: Date;
}

/**
 * Moves the order to `to` with a conditional write (domain/saga.ts TRANSITIONS); a repeat
 * that already landed returns the order; otherwise throws OrderNotFoundError,
 * OrderCancelledError or InvalidTransitionError.
 */
export type TransitionOrder = (input: TransitionInput) => Promise<SagaOrder>;
/** Claims the order for one execution; another execution's claim throws DuplicateSagaError. */
export type ClaimSaga = (orderId: string, executionId: string) => Promise<SagaOrder>;
/** Stores the wait's token, unless the payment outcome arrived first: then that outcome is returned. */
export type StoreTaskToken = (
  orderId: string,
  taskToken: string,
) => Promise<{ stored: true } | { stored: false; outcome: PaymentOutcome }>;
/** The payment outcome recorded on the order, if any (strongly consistent). */
export type ReadPaymentOutcome = (orderId: string) => Promise<PaymentOutcome | undefined>;

/** How a waiting task is resumed: its output, or a named error with a cause. */
export type TaskOutcome = { success: unknown } | { error: string; cause: string };
/** Resumes the task waiting on a token; a token that is gone means the saga moved on. */
export type SendToTask = (token: string, outcome: TaskOutcome) => Promise<'resumed' | 'nothing-waiting'>;

export type RecordResult = 'resumed' | 'recorded' | 'duplicate' | 'nothing-waiting';
/** Records the payment outcome on the order (first wins) and resumes the saga if it waits. */
export type RecordPaymentOutcome = (orderId: string, outcome: PaymentOutcome) => Promise<RecordResult>;
/** Fails the saga's payment wait, if one is waiting on this order (customer cancel). */
export type FailWaitingSaga = (
  orderId: string,
  error: string,
  cause: string,
) => Promise<'resumed' | 'nothing-waiting'>;

export type { OrderStatus };
