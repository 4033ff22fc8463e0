import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, customerIdSchema, orderIdSchema, reasonSchema } from '../orders/common';
import { BILLING_SOURCE, billedAmountSchema, emailSchema, paymentIdSchema, refundIdSchema } from './common';

/**
 * Money went back to the customer (all or part of a captured payment). Published by the
 * payments ledger writer. idempotencyKey: `refund:<refundId>`.
 */
export const refundIssuedV1 = defineEvent(
  'RefundIssued',
  1,
  BILLING_SOURCE,
  z.object({
    refundId: refundIdSchema,
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    customerEmail: emailSchema,
    amount: billedAmountSchema,
    currency: currencySchema,
    reason: reasonSchema,
    refundedAt: z.iso.datetime(),
  }),
);

export type RefundIssuedV1 = z.infer<typeof refundIssuedV1.data>;
