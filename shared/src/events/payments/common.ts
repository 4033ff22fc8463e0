import * as z from 'zod/mini';

/**
 * Payment events are published by the webhook service, the platform's only door for
 * the payment provider's callbacks; the domain (not the producer's name) is the source.
 */
export const PAYMENTS_SOURCE = 'order-platform.payments';

/** The provider's event id (`evt_...`): the natural key every payment fact is deduplicated on. */
export const providerEventIdSchema = z
  .string()
  .check(z.regex(/^evt_[A-Za-z0-9_-]{1,120}$/, 'must be a provider event id (evt_...)'));

/** The provider's payment id (`pay_...` at the simulated provider); opaque to the platform. */
export const paymentIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{3,128}$/, 'must be 3-128 letters, digits, _ or -'));

/** Money in minor units (cents), never a float; a payment or refund moves a positive amount. */
export const paymentAmountSchema = z.number().check(z.int(), z.positive(), z.maximum(100_000_000_000));
