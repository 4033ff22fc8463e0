/**
 * The orders service's operations, written against ports (function types) so they run
 * the same against DynamoDB, moto or an in-memory fake.
 */
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '@order-platform/shared/errors';
import type { Principal } from '@order-platform/shared/principal';
import {
  isCancellable,
  newOrder,
  pricedLines,
  requestFingerprint,
  toView,
  type OrderView,
  type PlaceOrderInput,
} from './order';
import type { CancelOrder, GetOrder, ListCustomerOrders, PriceLines, SaveNewOrder } from './ports';

export interface PlaceOrderDeps {
  saveNewOrder: SaveNewOrder;
  priceLines: PriceLines;
  newOrderId: () => string;
  now: () => Date;
}

export function placeOrder(deps: PlaceOrderDeps) {
  return async (
    input: PlaceOrderInput,
    principal: Principal,
    ctx: { correlationId: string; idempotencyKey?: string },
  ): Promise<{ order: OrderView; replayed: boolean }> => {
    const customerEmail = input.contactEmail ?? principal.email;
    if (!customerEmail) {
      throw new UnprocessableError(
        'An order needs a contact address for its receipts: the token has no email claim and the body no contactEmail',
      );
    }
    // Priced by the platform, at this moment: the order keeps these prices.
    const prices = await deps.priceLines(
      input.currency,
      input.lines.map((l) => l.sku),
      ctx.correlationId,
    );
    const order = newOrder(
      { ...input, lines: pricedLines(input, prices) },
      {
        orderId: deps.newOrderId(),
        customerId: principal.customerId,
        correlationId: ctx.correlationId,
        customerEmail,
      },
      deps.now(),
    );
    const view = toView(order);
    const fingerprint = requestFingerprint(input);
    const result = await deps.saveNewOrder(
      order,
      ctx.idempotencyKey
        ? { key: `${principal.customerId}#${ctx.idempotencyKey}`, fingerprint, response: view }
        : undefined,
    );
    if (result.created) return { order: view, replayed: false };
    if (result.fingerprint !== fingerprint) {
      throw new UnprocessableError('Idempotency-Key was already used with a different request body');
    }
    return { order: result.firstResponse, replayed: true };
  };
}

/** Customers see only their own orders; another customer's order is reported as absent. */
function assertVisible(customerId: string, principal: Principal, orderId: string): void {
  if (principal.role !== 'admin' && customerId !== principal.customerId) {
    throw new NotFoundError(`Order ${orderId} not found`);
  }
}

export function getOrderFor(getOrder: GetOrder) {
  return async (orderId: string, principal: Principal): Promise<OrderView> => {
    const order = await getOrder(orderId);
    if (!order) throw new NotFoundError(`Order ${orderId} not found`);
    assertVisible(order.customerId, principal, orderId);
    return toView(order);
  };
}

export function listOrdersFor(list: ListCustomerOrders) {
  return async (customerId: string, principal: Principal, opts: { limit: number; cursor?: string }) => {
    if (principal.role !== 'admin' && customerId !== principal.customerId) {
      throw new ForbiddenError('You may only list your own orders');
    }
    const page = await list(customerId, opts);
    return { orders: page.orders.map(toView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  };
}

export interface CancelDeps {
  getOrder: GetOrder;
  cancelOrder: CancelOrder;
  now: () => Date;
}

export function cancelOrderFor(deps: CancelDeps) {
  return async (
    orderId: string,
    reason: string,
    principal: Principal,
    correlationId: string,
  ): Promise<OrderView> => {
    const existing = await deps.getOrder(orderId);
    if (!existing) throw new NotFoundError(`Order ${orderId} not found`);
    assertVisible(existing.customerId, principal, orderId);
    if (!isCancellable(existing.status)) {
      throw new ConflictError(`Order ${orderId} is ${existing.status} and can no longer be cancelled`);
    }
    // The conditional write is the real guard: the status may change between the read and here.
    const result = await deps.cancelOrder(orderId, reason, correlationId, deps.now());
    if (!result.cancelled) {
      const status = result.current?.status ?? 'gone';
      throw new ConflictError(`Order ${orderId} is ${status} and can no longer be cancelled`);
    }
    return toView(result.order);
  };
}
