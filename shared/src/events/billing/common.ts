import * as z from 'zod/mini';

/**
 * Billing records are facts of the billing domain, whoever produces them (the payments
 * ledger writer, invoicing): the domain, not the producer, is the envelope's source.
 */
export const BILLING_SOURCE = 'order-platform.billing';

/** Message attribute names every billing message carries; subscriptions filter on them. */
export const RECORD_TYPE_ATTRIBUTE = 'recordType';
export const VERSION_ATTRIBUTE = 'version';
export const CORRELATION_ATTRIBUTE = 'correlationId';

/** The provider's payment id (opaque to the platform); the natural key of an invoice. */
export const paymentIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{3,128}$/, 'must be 3-128 letters, digits, _ or -'));
export const refundIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{3,128}$/, 'must be 3-128 letters, digits, _ or -'));
export const invoiceIdSchema = z
  .string()
  .check(z.regex(/^inv_[0-9a-f]{24}$/, 'must be an invoice id (inv_ + 24 hex)'));

/** Money that moves: minor units (cents), integer, positive. */
export const billedAmountSchema = z.number().check(z.int(), z.positive(), z.maximum(100_000_000_000));

export const emailSchema = z.email();

/** Where a stored document lives (the key never starts with a slash). */
export const documentRefSchema = z.object({
  bucket: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
  key: z.string().check(
    z.minLength(1),
    z.maxLength(1024),
    z.refine((k) => !k.startsWith('/'), 'must not start with /'),
  ),
});
