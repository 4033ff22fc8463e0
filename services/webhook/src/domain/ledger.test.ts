import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { paymentEventContracts } from '@order-platform/shared/events/payments/index';
import {
  billingRecordContracts,
  paymentCapturedV1,
  refundIssuedV1,
} from '@order-platform/shared/events/billing/index';
import { DEFAULT_REFUND_REASON, ledgerEntryFor } from './ledger';
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
    const { event } = parseEnvelope(JSON.parse(JSON.stringify(entry.events[0])), paymentEventContracts);
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
    expect(b.events).toEqual(a.events);
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
      events: [],
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

describe('billing records (the payments ledger writer is their producer)', () => {
  const customer = { customerId: 'cus_ada', customerEmail: 'ada@example.com' };
  const billingOf = (body: string) => {
    const entry = ledgerEntryFor(parseLedgerMessage(body), ctx);
    const records = entry.events.filter((e) => e.metadata.source === 'order-platform.billing');
    return { entry, records: records.map((r) => parseEnvelope(roundTrip(r), billingRecordContracts)) };
  };
  const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v));

  it('payment.succeeded with the echoed customer → PaymentCaptured v1 keyed on the payment, after the payment event', () => {
    const { entry, records } = billingOf(webhook('payment.succeeded', customer));
    expect(entry.events.map((e) => e.metadata.eventType)).toEqual(['PaymentSucceeded', 'PaymentCaptured']);
    expect(entry.billingSkipped).toBeUndefined();
    const [{ contract, event }] = records as [(typeof records)[number]];
    expect(contract).toBe(paymentCapturedV1);
    expect(event.metadata).toMatchObject({
      source: 'order-platform.billing',
      version: 1,
      idempotencyKey: 'payment:pay_9:captured',
      eventId: 'payment:pay_9:captured',
      correlationId: 'corr-1',
      occurredAt: '2026-11-22T10:00:00.000Z',
    });
    expect(event.data).toEqual({
      paymentId: 'pay_9',
      orderId: ORDER,
      customerId: 'cus_ada',
      customerEmail: 'ada@example.com',
      amount: 1234,
      currency: 'GBP',
      capturedAt: '2026-11-22T10:00:00.000Z',
    });
  });

  it('refund.succeeded with the echoed customer → RefundIssued v1 keyed on the refund id, reason or a default', () => {
    const given = billingOf(
      webhook('refund.succeeded', { ...customer, refundId: 're_7', reason: 'damaged' }),
    );
    const [{ contract, event }] = given.records as [(typeof given.records)[number]];
    expect(contract).toBe(refundIssuedV1);
    expect(event.metadata).toMatchObject({ idempotencyKey: 'refund:re_7', correlationId: 'corr-1' });
    expect(event.data).toMatchObject({
      refundId: 're_7',
      reason: 'damaged',
      amount: 1234,
      paymentId: 'pay_9',
    });

    const bare = billingOf(webhook('refund.succeeded', customer));
    expect(bare.records[0]!.event.data).toMatchObject({ refundId: 'evt_1', reason: DEFAULT_REFUND_REASON });
    expect(bare.records[0]!.event.metadata.idempotencyKey).toBe('refund:evt_1');
  });

  it.each([
    ['no customer at all', {}, /customerId or customerEmail/],
    ['no email', { customerId: 'cus_ada' }, /customerEmail/],
    [
      'a malformed email (read as absent, never a rejected webhook)',
      { ...customer, customerEmail: 'nope' },
      /customerEmail/,
    ],
  ])(
    '%s: no billing record, the reason is kept, the payment event still goes out',
    (_what, extra, reason) => {
      const { entry, records } = billingOf(webhook('payment.succeeded', extra));
      expect(records).toEqual([]);
      expect(entry.events.map((e) => e.metadata.eventType)).toEqual(['PaymentSucceeded']);
      expect(entry.billingSkipped).toMatch(reason);
    },
  );

  it('payment.failed has no billing record and nothing is reported missing', () => {
    const { entry, records } = billingOf(webhook('payment.failed', customer));
    expect(records).toEqual([]);
    expect(entry.billingSkipped).toBeUndefined();
  });

  it('keeps the echoed metadata tolerant: a non-string value reads as no metadata', () => {
    const message = parseLedgerMessage(webhook('payment.succeeded', { ...customer, metadata: { n: 1 } }));
    expect(message.kind === 'provider.webhook' && message.event.data.metadata).toBeUndefined();
  });
});
