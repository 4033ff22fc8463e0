import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, orderIdSchema } from '../orders/common';
import { PAYMENTS_SOURCE, paymentAmountSchema, paymentIdSchema, providerEventIdSchema } from './common';

/** The provider confirmed a refund (the end of the saga's refund compensation). */
export const refundIssuedV1 = defineEvent(
  'RefundIssued',
  1,
  PAYMENTS_SOURCE,
  z.object({
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    amount: paymentAmountSchema,
    currency: currencySchema,
    providerEventId: providerEventIdSchema,
    /** The provider's refund id, when its webhook names it (optional: added within v1). */
    refundId: z.optional(paymentIdSchema),
    refundedAt: z.iso.datetime(),
  }),
);

export type RefundIssuedV1 = z.infer<typeof refundIssuedV1.data>;
