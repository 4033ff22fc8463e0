/**
 * From a queue message to a ledger entry and the domain event it announces. Pure.
 *
 * Idempotency (X1): every entry has a natural key, `entryId`: the provider's event id
 * for webhooks, `refund-request:<idempotencyKey>` for refund requests. The ledger has a
 * unique constraint on it, so a second delivery of the same fact inserts nothing and
 * announces nothing. Events carry an idempotency key derived from the same id, so a
 * publish repeated after a crash is recognisable downstream.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import { envelope } from '@order-platform/shared/events/envelope';
import {
  paymentFailedV1,
  paymentSucceededV1,
  refundIssuedV1,
} from '@order-platform/shared/events/payments/index';
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
  /** The event to publish once the entry is committed (none for refund requests). */
  event?: Envelope<unknown>;
}

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
      return envelope(refundIssuedV1, { ...base, refundedAt: at }, meta);
  }
}

/** `fallbackCorrelationId` is the message attribute (or a new id) when the body carries none. */
export function ledgerEntryFor(
  message: LedgerMessage,
  ctx: { fallbackCorrelationId: string; now: Date },
): LedgerEntry {
  if (message.kind === 'provider.webhook') {
    const { event } = message;
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
      event: eventFor(message),
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
  };
}
