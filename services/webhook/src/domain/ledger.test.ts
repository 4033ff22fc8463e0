import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { paymentEventContracts } from '@order-platform/shared/events/payments/index';
import { ledgerEntryFor } from './ledger';
import { parseLedgerMessage } from './write';

const ctx = { fallbackCorrelationId: 'fallback', now: new Date('2026-11-22T10:00:00Z') };
const ORDER = 'ord_01JD0000000000000000000000';
const webhook = (type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    kind: 'provider.webhook',
    correlationId: 'corr-1',
    receivedAt: '2026-11-22T10:00:01.000Z',
    event: {
      id: 'evt_1',
      type,
      created: 1795341600,
      data: { paymentId: 'pay_9', orderId: ORDER, amount: 1234, currency: 'GBP', ...extra },
    },
  });

describe('ledger entries and the events they announce (producer side of the contract)', () => {
  it.each([
    ['payment.succeeded', 'PaymentSucceeded', { succeededAt: '2026-11-22T10:00:00.000Z' }],
    [
      'payment.failed',
      'PaymentFailed',
      { reason: 'insufficient_funds', failedAt: '2026-11-22T10:00:00.000Z' },
    ],
    ['refund.succeeded', 'RefundIssued', { refundedAt: '2026-11-22T10:00:00.000Z' }],
  ])('%s → %s v1, valid against the shared contract', (type, eventType, extra) => {
    const entry = ledgerEntryFor(
      parseLedgerMessage(webhook(type, type === 'payment.failed' ? { reason: 'insufficient_funds' } : {})),
      ctx,
    );
    expect(entry).toMatchObject({
      entryId: 'evt_1',
      kind: type,
      amount: 1234,
      correlationId: 'corr-1',
      occurredAt: '2026-11-22T10:00:00.000Z',
    });
    const { event } = parseEnvelope(JSON.parse(JSON.stringify(entry.event)), paymentEventContracts);
    expect(event.metadata).toMatchObject({
      eventType,
      version: 1,
      source: 'order-platform.payments',
      idempotencyKey: 'payments:evt_1',
      eventId: 'payments:evt_1',
      correlationId: 'corr-1',
    });
    expect(event.data).toEqual({
      paymentId: 'pay_9',
      orderId: ORDER,
      amount: 1234,
      currency: 'GBP',
      providerEventId: 'evt_1',
      ...extra,
    });
  });

  it('the same provider event always yields the same keys (a redelivery is recognisable)', () => {
    const a = ledgerEntryFor(parseLedgerMessage(webhook('payment.succeeded')), ctx);
    const b = ledgerEntryFor(parseLedgerMessage(webhook('payment.succeeded')), { ...ctx, now: new Date() });
    expect(b.entryId).toBe(a.entryId);
    expect(b.event).toEqual(a.event);
  });

  it('a refund request becomes a ledger entry keyed on its idempotency key, with no event', () => {
    const body = JSON.stringify({
      kind: 'refund.requested',
      orderId: ORDER,
      paymentId: 'pay_9',
      amount: 500,
      currency: 'EUR',
      idempotencyKey: 'saga-1',
    });
    const entry = ledgerEntryFor(parseLedgerMessage(body), ctx);
    expect(entry).toEqual({
      entryId: 'refund-request:saga-1',
      kind: 'refund.requested',
      paymentId: 'pay_9',
      orderId: ORDER,
      amount: 500,
      currency: 'EUR',
      occurredAt: '2026-11-22T10:00:00.000Z',
      correlationId: 'fallback',
    });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown kind', '{"kind":"coupon"}', /Not a ledger message/],
    ['a float amount', webhook('payment.succeeded', { amount: 1.5 }), /event\.data\.amount/],
    ['an unknown provider type', webhook('payment.pending'), /event\.type/],
  ])('rejects %s as permanent', (_what, body, message) => {
    expect(() => parseLedgerMessage(body)).toThrow(message);
  });
});
