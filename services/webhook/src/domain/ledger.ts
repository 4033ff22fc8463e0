/**
 * From a queue message to a ledger entry and what it announces. Pure.
 *
 * Idempotency (X1): every entry has a natural key, `entryId`: the provider's event id
 * for webhooks, `refund-request:<idempotencyKey>` for refund requests. The ledger has a
 * unique constraint on it, so a second delivery of the same fact inserts nothing and
 * announces nothing. Events carry an idempotency key derived from the same id, so a
 * publish repeated after a crash is recognisable downstream.
 *
 * What a new entry announces, through the outbox, in the same transaction:
 * - the payments domain event (source `order-platform.payments`, EventBridge);
 * - for `payment.succeeded` / `refund.succeeded` whose webhook echoes the customer
 *   (customerId + customerEmail), a billing record (source `order-platform.billing`,
 *   the billing notifier's SNS topic): PaymentCaptured v1, key
 *   `payment:<paymentId>:captured`, or RefundIssued v1, key `refund:<refundId>`. Their
 *   keys are the billing contract's, so the outbox's unique key also keeps a second
 *   provider event for the same payment from announcing a second capture.
 * Without the customer, no billing record: `billingSkipped` says why (the writer warns
 * and counts it); the payment event goes out regardless.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import { envelope } from '@order-platform/shared/events/envelope';
import {
  paymentFailedV1,
  paymentSucceededV1,
  refundIssuedV1,
} from '@order-platform/shared/events/payments/index';
import {
  paymentCapturedV1,
  refundIssuedV1 as billingRefundIssuedV1,
} from '@order-platform/shared/events/billing/index';
import type { LedgerMessage, ProviderWebhookMessage } from './messages';

export const LEDGER_KINDS = [
  'payment.succeeded',
  'payment.failed',
  'refund.succeeded',
  'refund.requested',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  entryId: string;
  kind: LedgerKind;
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
  reason?: string;
  /** When the fact happened (the provider's `created`, or when the request was read). */
  occurredAt: string;
  correlationId: string;
  /**
   * What to publish once the entry is committed, in this order: the payments event,
   * then the billing record if any (none at all for refund requests).
   */
  events: Envelope<unknown>[];
  /** Why a payment/refund that should have had a billing record has none (missing echo). */
  billingSkipped?: string;
}

/** When the provider does not say why money went back. */
export const DEFAULT_REFUND_REASON = 'no reason given';

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

export function eventIdempotencyKey(providerEventId: string): string {
  return `payments:${providerEventId}`;
}

function eventFor(message: ProviderWebhookMessage): Envelope<unknown> {
  const { event, correlationId } = message;
  const at = iso(event.created);
  const meta = { correlationId, idempotencyKey: eventIdempotencyKey(event.id), occurredAt: at };
  const base = {
    paymentId: event.data.paymentId,
    orderId: event.data.orderId,
    amount: event.data.amount,
    currency: event.data.currency,
    providerEventId: event.id,
  };
  switch (event.type) {
    case 'payment.succeeded':
      return envelope(paymentSucceededV1, { ...base, succeededAt: at }, meta);
    case 'payment.failed':
      return envelope(
        paymentFailedV1,
        { ...base, reason: event.data.reason ?? 'declined by the provider', failedAt: at },
        meta,
      );
    case 'refund.succeeded':
      // The refund id lets payments settle the very refund record it asked for.
      return envelope(
        refundIssuedV1,
        { ...base, ...(event.data.refundId ? { refundId: event.data.refundId } : {}), refundedAt: at },
        meta,
      );
  }
}

/** The billing record a webhook announces, or why it cannot (only money that moved has one). */
function billingRecordFor(message: ProviderWebhookMessage): { record?: Envelope<unknown>; skipped?: string } {
  const { event, correlationId } = message;
  if (event.type === 'payment.failed') return {};
  const { customerId, customerEmail } = event.data;
  if (!customerId || !customerEmail) {
    const missing = [!customerId && 'customerId', !customerEmail && 'customerEmail'].filter(Boolean);
    return { skipped: `the provider echoed no valid ${missing.join(' or ')}` };
  }
  const at = iso(event.created);
  const money = {
    paymentId: event.data.paymentId,
    orderId: event.data.orderId,
    customerId,
    customerEmail,
    amount: event.data.amount,
    currency: event.data.currency,
  };
  if (event.type === 'payment.succeeded') {
    return {
      record: envelope(
        paymentCapturedV1,
        { ...money, capturedAt: at },
        { correlationId, idempotencyKey: `payment:${money.paymentId}:captured`, occurredAt: at },
      ),
    };
  }
  // A refund the provider gave no id of its own is identified by its event (one event per refund).
  const refundId = event.data.refundId ?? event.id;
  return {
    record: envelope(
      billingRefundIssuedV1,
      { ...money, refundId, reason: event.data.reason ?? DEFAULT_REFUND_REASON, refundedAt: at },
      { correlationId, idempotencyKey: `refund:${refundId}`, occurredAt: at },
    ),
  };
}

/** `fallbackCorrelationId` is the message attribute (or a new id) when the body carries none. */
export function ledgerEntryFor(
  message: LedgerMessage,
  ctx: { fallbackCorrelationId: string; now: Date },
): LedgerEntry {
  if (message.kind === 'provider.webhook') {
    const { event } = message;
    const billing = billingRecordFor(message);
    return {
      entryId: event.id,
      kind: event.type,
      paymentId: event.data.paymentId,
      orderId: event.data.orderId,
      amount: event.data.amount,
      currency: event.data.currency,
      ...(event.data.reason ? { reason: event.data.reason } : {}),
      occurredAt: iso(event.created),
      correlationId: message.correlationId,
      events: billing.record ? [eventFor(message), billing.record] : [eventFor(message)],
      ...(billing.skipped ? { billingSkipped: billing.skipped } : {}),
    };
  }
  return {
    entryId: `refund-request:${message.idempotencyKey}`,
    kind: 'refund.requested',
    paymentId: message.paymentId,
    orderId: message.orderId,
    amount: message.amount,
    currency: message.currency,
    ...(message.reason ? { reason: message.reason } : {}),
    occurredAt: ctx.now.toISOString(),
    correlationId: message.correlationId ?? ctx.fallbackCorrelationId,
    events: [],
  };
}
