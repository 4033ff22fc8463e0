import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, customerIdSchema, orderIdSchema } from '../orders/common';
import { BILLING_SOURCE, billedAmountSchema, emailSchema, paymentIdSchema } from './common';

/**
 * Money was captured for an order. Published by the payments ledger writer once the
 * provider's confirmation is in the ledger. idempotencyKey: `payment:<paymentId>:captured`.
 * customerEmail is the payer's address as the provider reported it (receipts go there).
 */
export const paymentCapturedV1 = defineEvent(
  'PaymentCaptured',
  1,
  BILLING_SOURCE,
  z.object({
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    customerEmail: emailSchema,
    amount: billedAmountSchema,
    currency: currencySchema,
    capturedAt: z.iso.datetime(),
  }),
);

export type PaymentCapturedV1 = z.infer<typeof paymentCapturedV1.data>;
