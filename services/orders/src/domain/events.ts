/**
 * Which domain event a change to an order item means. The publisher turns stream
 * records into these; intermediate saga steps (RESERVED, PAYMENT_PENDING) are internal
 * and publish nothing.
 */
import {
  orderCancelledV1,
  orderConfirmedV1,
  orderFailedV1,
  orderPlacedV1,
} from '@order-platform/shared/events/orders';
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import type { Order } from './order';

export function eventForChange(
  before: Order | undefined,
  after: Order | undefined,
): Envelope<unknown> | undefined {
  if (!after) return undefined; // deletions are not domain events here
  if (before && before.status === after.status) return undefined;
  const meta = {
    correlationId: after.correlationId,
    // Stable for this exact change: a retried batch produces the same key (X1).
    idempotencyKey: `${after.orderId}:v${after.version}:${after.status}`,
    occurredAt: after.updatedAt,
  };
  switch (after.status) {
    case 'PLACED':
      return envelope(
        orderPlacedV1,
        {
          orderId: after.orderId,
          customerId: after.customerId,
          lines: after.lines,
          total: after.total,
          currency: after.currency,
          placedAt: after.createdAt,
        },
        meta,
      );
    case 'CONFIRMED':
      return envelope(
        orderConfirmedV1,
        {
          orderId: after.orderId,
          customerId: after.customerId,
          total: after.total,
          currency: after.currency,
          ...(after.paymentId ? { paymentId: after.paymentId } : {}),
          ...(after.customerEmail ? { customerEmail: after.customerEmail } : {}),
          confirmedAt: after.updatedAt,
          lines: after.lines,
        },
        meta,
      );
    case 'CANCELLED':
      return envelope(
        orderCancelledV1,
        {
          orderId: after.orderId,
          customerId: after.customerId,
          reason: after.statusReason ?? 'cancelled',
          cancelledAt: after.updatedAt,
        },
        meta,
      );
    case 'FAILED':
      return envelope(
        orderFailedV1,
        {
          orderId: after.orderId,
          customerId: after.customerId,
          reason: after.statusReason ?? 'failed',
          failedAt: after.updatedAt,
        },
        meta,
      );
    default:
      return undefined;
  }
}
