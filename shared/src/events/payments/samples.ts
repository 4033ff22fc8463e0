/**
 * One sample of each payment event, in its envelope, shared by the producer's (webhook
 * ledger writer) and the consumers' (saga, reporting) contract tests; checked against the
 * zod schema and the generated JSON Schema by tests/contracts.unit.test.ts.
 */
import { envelope, type Envelope } from '../envelope';
import { SAMPLE_ORDER_ID } from '../orders/samples';
import { paymentFailedV1, type PaymentFailedV1 } from './paymentFailed.v1';
import { paymentSucceededV1, type PaymentSucceededV1 } from './paymentSucceeded.v1';
import { refundIssuedV1, type RefundIssuedV1 } from './refundIssued.v1';

const base = {
  paymentId: 'pay_1',
  orderId: SAMPLE_ORDER_ID,
  amount: 999,
  currency: 'EUR' as const,
  providerEventId: 'evt_1',
};
const meta = (occurredAt: string) => ({
  correlationId: 'c-1',
  idempotencyKey: 'payments:evt_1',
  occurredAt,
});

export function samplePaymentSucceeded(over: Partial<PaymentSucceededV1> = {}): Envelope<PaymentSucceededV1> {
  const data = { ...base, succeededAt: '2026-11-22T10:00:00.000Z', ...over };
  return envelope(paymentSucceededV1, data, meta(data.succeededAt));
}

export function samplePaymentFailed(over: Partial<PaymentFailedV1> = {}): Envelope<PaymentFailedV1> {
  const data = { ...base, reason: 'card_declined', failedAt: '2026-11-22T10:00:00.000Z', ...over };
  return envelope(paymentFailedV1, data, meta(data.failedAt));
}

export function samplePaymentRefundIssued(over: Partial<RefundIssuedV1> = {}): Envelope<RefundIssuedV1> {
  const data = { ...base, refundId: 're_1', refundedAt: '2026-11-22T11:00:00.000Z', ...over };
  return envelope(refundIssuedV1, data, meta(data.refundedAt));
}
