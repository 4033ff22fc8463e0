import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, orderIdSchema, reasonSchema } from '../orders/common';
import { PAYMENTS_SOURCE, paymentAmountSchema, paymentIdSchema, providerEventIdSchema } from './common';

/** The provider declined or failed a charge; `reason` is the provider's, for people, not for branching. */
export const paymentFailedV1 = defineEvent(
  'PaymentFailed',
  1,
  PAYMENTS_SOURCE,
  z.object({
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    amount: paymentAmountSchema,
    currency: currencySchema,
    reason: reasonSchema,
    providerEventId: providerEventIdSchema,
    failedAt: z.iso.datetime(),
  }),
);

export type PaymentFailedV1 = z.infer<typeof paymentFailedV1.data>;
