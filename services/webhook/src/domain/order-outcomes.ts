/**
 * Order outcomes, as the reconciler keeps them: the orders service's terminal events
 * (OrderConfirmed / OrderFailed / OrderCancelled v1) read from this service's own queue.
 * Only the declared versions are accepted (X4); anything else is a PermanentError and
 * goes to the DLQ.
 */
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import {
  orderCancelledV1,
  orderConfirmedV1,
  orderFailedV1,
  type OrderConfirmedV1,
} from '@order-platform/shared/events/orders';
import { PermanentError, PoisonMessageError } from '@order-platform/shared/errors';
import type { OrderOutcome } from './reconcile';

export const ORDER_OUTCOME_CONTRACTS = [orderConfirmedV1, orderFailedV1, orderCancelledV1];

/** The SQS body is the EventBridge event; its `detail` is the envelope. */
export function orderOutcomeFrom(body: string): { outcome: OrderOutcome; correlationId: string } {
  let detail: unknown;
  try {
    detail = (JSON.parse(body) as { detail?: unknown }).detail;
  } catch (error) {
    throw new PoisonMessageError(`Message body is not JSON: ${(error as Error).message}`);
  }
  let parsed;
  try {
    parsed = parseEnvelope(detail, ORDER_OUTCOME_CONTRACTS);
  } catch (error) {
    throw new PermanentError(`Not an order outcome: ${(error as Error).message}`);
  }
  const { contract, event } = parsed;
  const base = { orderId: event.data.orderId, customerId: event.data.customerId };
  const correlationId = event.metadata.correlationId;
  if (contract === orderConfirmedV1) {
    const d = event.data as OrderConfirmedV1;
    return {
      correlationId,
      outcome: {
        ...base,
        status: 'CONFIRMED',
        total: d.total,
        currency: d.currency,
        ...(d.paymentId ? { paymentId: d.paymentId } : {}),
        occurredAt: d.confirmedAt,
      },
    };
  }
  const d = event.data as { reason: string; failedAt?: string; cancelledAt?: string };
  return {
    correlationId,
    outcome: {
      ...base,
      status: contract === orderFailedV1 ? 'FAILED' : 'CANCELLED',
      reason: d.reason,
      occurredAt: (d.failedAt ?? d.cancelledAt)!,
    },
  };
}
