/**
 * PaymentSucceeded / PaymentFailed / RefundIssued (the ledger's events, on the platform
 * bus) → settle this service's records: a charge becomes SUCCEEDED or FAILED, a refund
 * SUCCEEDED. Idempotent; an undeclared version is rejected (X4) and, as an EventBridge
 * target with a DLQ, parked there.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { paymentFailedV1, paymentSucceededV1, refundIssuedV1 } from '@order-platform/shared/events/payments';
import { logger, withObservability } from '@order-platform/shared/observability';
import { settlePayment, type Settlement } from '../domain/payments';
import { paymentsTable } from './table';

const CONTRACTS = [paymentSucceededV1, paymentFailedV1, refundIssuedV1];

export function toSettlement(detail: unknown): Settlement {
  const { contract, event } = parseEnvelope(detail, CONTRACTS);
  const data = event.data as { orderId: string; paymentId: string; reason?: string; refundId?: string };
  if (contract === paymentSucceededV1)
    return { kind: 'captured', orderId: data.orderId, paymentId: data.paymentId };
  if (contract === paymentFailedV1)
    return {
      kind: 'failed',
      orderId: data.orderId,
      paymentId: data.paymentId,
      reason: data.reason ?? 'failed',
    };
  return {
    kind: 'refunded',
    orderId: data.orderId,
    paymentId: data.paymentId,
    ...(data.refundId ? { refundId: data.refundId } : {}),
  };
}

export function makeHandler(settle: ReturnType<typeof settlePayment>) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const settlement = toSettlement(event.detail);
    const result = await settle(settlement);
    (result === 'not-this-charge' || result === 'unknown-order' ? logger.warn : logger.info).call(
      logger,
      'Payment settlement',
      { ...settlement, result },
    );
    return { result };
  };
}

export const handler = withObservability(
  makeHandler(settlePayment({ store: paymentsTable(), now: () => new Date() })),
);
