import { describe, expect, it } from 'vitest';
import { UnsupportedEventVersionError } from '../../errors';
import { envelope, parseEnvelope } from '../envelope';
import { paymentEventContracts, paymentFailedV1, paymentSucceededV1, refundIssuedV1 } from './index';

/** Sample events shared by producer (webhook service) and consumers (saga, reporting). */
const base = {
  paymentId: 'pay_1',
  orderId: 'ord_01JD0000000000000000000000',
  amount: 999,
  currency: 'EUR' as const,
  providerEventId: 'evt_1',
};
const meta = {
  correlationId: 'c-1',
  idempotencyKey: 'payments:evt_1',
  occurredAt: '2026-11-22T10:00:00.000Z',
};

describe('payment event contracts v1', () => {
  it.each([
    [paymentSucceededV1, { ...base, succeededAt: meta.occurredAt }],
    [paymentFailedV1, { ...base, reason: 'card_declined', failedAt: meta.occurredAt }],
    [refundIssuedV1, { ...base, refundedAt: meta.occurredAt }],
  ])('%s round-trips through the envelope', (contract, data) => {
    const sent = envelope(contract as typeof paymentSucceededV1, data as never, meta);
    const { event } = parseEnvelope(JSON.parse(JSON.stringify(sent)), paymentEventContracts);
    expect(event).toEqual(sent);
    expect(event.metadata.source).toBe('order-platform.payments');
  });

  it('rejects an undeclared version and bad money', () => {
    const sent = envelope(paymentSucceededV1, { ...base, succeededAt: meta.occurredAt }, meta);
    expect(() =>
      parseEnvelope({ ...sent, metadata: { ...sent.metadata, version: 2 } }, paymentEventContracts),
    ).toThrow(UnsupportedEventVersionError);
    expect(() =>
      envelope(paymentSucceededV1, { ...base, amount: 9.99, succeededAt: meta.occurredAt }, meta),
    ).toThrow();
    expect(() =>
      envelope(paymentSucceededV1, { ...base, providerEventId: 'pay_x', succeededAt: meta.occurredAt }, meta),
    ).toThrow();
  });
});
