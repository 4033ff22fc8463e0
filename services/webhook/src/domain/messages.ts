/**
 * The contracts this service accepts. Everything here is pure (zod/mini), shared by the
 * receiver, the writer, the tests and the README.
 *
 * - `providerWebhookSchema`: the payment provider's webhook body.
 * - `ledgerMessageSchema`: what sits on the payments queue, discriminated by `kind`:
 *   `provider.webhook` (put there by the receiver) or `refund.requested` (posted
 *   straight to the queue with the SDK by other services: the frugal consumer, P17).
 */
import * as z from 'zod/mini';
import {
  currencySchema,
  customerIdSchema,
  orderIdSchema,
  reasonSchema,
} from '@order-platform/shared/events/orders';
import { emailSchema, refundIdSchema } from '@order-platform/shared/events/billing/index';
import {
  paymentAmountSchema,
  paymentIdSchema,
  providerEventIdSchema,
} from '@order-platform/shared/events/payments/index';

export const PROVIDER_EVENT_TYPES = ['payment.succeeded', 'payment.failed', 'refund.succeeded'] as const;
export type ProviderEventType = (typeof PROVIDER_EVENT_TYPES)[number];

/**
 * What the provider echoes back from the charge the platform created (real providers
 * return the customer and metadata they were given). Tolerant on purpose: a missing or
 * malformed echo reads as absent, never as a rejected webhook, because the payment
 * fact itself must still reach the ledger (the writer then records no billing record,
 * with a warning and the `BillingRecordSkipped` metric).
 */
const echoed = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

/** The charge's metadata as echoed (e.g. `{ correlationId }`): string keys to string values. */
export const echoedMetadataSchema = z.record(z.string(), z.string());

/**
 * Loose objects on purpose: a provider adds fields over time, and rejecting its
 * webhooks for that would make it retry forever. Unknown fields are dropped.
 */
export const providerWebhookSchema = z.object({
  id: providerEventIdSchema,
  type: z.enum(PROVIDER_EVENT_TYPES),
  /** Unix seconds at the provider. */
  created: z.number().check(z.int(), z.positive()),
  data: z.object({
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    amount: paymentAmountSchema,
    currency: currencySchema,
    reason: z.optional(reasonSchema),
    /** Echoed: the customer the platform charged for (billing records need it). */
    customerId: echoed(customerIdSchema),
    /** Echoed: where receipts go. */
    customerEmail: echoed(emailSchema),
    /** The provider's refund id (refund.succeeded only): the RefundIssued key. */
    refundId: echoed(refundIdSchema),
    /** Echoed charge metadata, e.g. `{ correlationId }` (the platform's thread). */
    metadata: echoed(echoedMetadataSchema),
  }),
});
export type ProviderWebhook = z.infer<typeof providerWebhookSchema>;

export const correlationIdSchema = z.string().check(z.minLength(1), z.maxLength(128));

/** Put on the queue by POST /webhooks/payments once the signature and body are good. */
export const providerWebhookMessageSchema = z.object({
  kind: z.literal('provider.webhook'),
  correlationId: correlationIdSchema,
  receivedAt: z.iso.datetime(),
  event: providerWebhookSchema,
});
export type ProviderWebhookMessage = z.infer<typeof providerWebhookMessageSchema>;

/** Posted straight to the queue by other services (the saga's refund compensation). */
export const refundRequestMessageSchema = z.object({
  kind: z.literal('refund.requested'),
  orderId: orderIdSchema,
  paymentId: paymentIdSchema,
  amount: paymentAmountSchema,
  currency: currencySchema,
  /** The producer's key for this request: the same request posted twice is recorded once. */
  idempotencyKey: z
    .string()
    .check(z.regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters')),
  reason: z.optional(reasonSchema),
  correlationId: z.optional(correlationIdSchema),
});
export type RefundRequestMessage = z.infer<typeof refundRequestMessageSchema>;

export const ledgerMessageSchema = z.discriminatedUnion('kind', [
  providerWebhookMessageSchema,
  refundRequestMessageSchema,
]);
export type LedgerMessage = z.infer<typeof ledgerMessageSchema>;

/** SQS message attribute names the platform stamps (a producer may omit them). */
export const ATTR_KIND = 'kind';
export const ATTR_CORRELATION_ID = 'correlationId';
export const ATTR_PROVIDER_EVENT_ID = 'providerEventId';
