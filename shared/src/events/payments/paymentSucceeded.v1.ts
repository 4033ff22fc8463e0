import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, orderIdSchema } from '../orders/common';
import { PAYMENTS_SOURCE, paymentAmountSchema, paymentIdSchema, providerEventIdSchema } from './common';

/** The provider confirmed a charge. The saga's "wait for payment confirmation" step resumes on it. */
export const paymentSucceededV1 = defineEvent(
  'PaymentSucceeded',
  1,
  PAYMENTS_SOURCE,
  z.object({
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    amount: paymentAmountSchema,
    currency: currencySchema,
    providerEventId: providerEventIdSchema,
    succeededAt: z.iso.datetime(),
  }),
);

export type PaymentSucceededV1 = z.infer<typeof paymentSucceededV1.data>;
