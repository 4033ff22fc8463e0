import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import {
  ORDERS_SOURCE,
  moneySchema,
  currencySchema,
  customerIdSchema,
  orderIdSchema,
  orderLineSchema,
} from './common';

export const orderConfirmedV1 = defineEvent(
  'OrderConfirmed',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    total: moneySchema,
    currency: currencySchema,
    /** The capture the order was confirmed on (optional: added within v1; the reconciler keeps it). */
    paymentId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{3,128}$/))),
    /** Where the confirmation goes (optional: added within v1). */
    customerEmail: z.optional(z.email()),
    confirmedAt: z.iso.datetime(),
    /**
     * The confirmed lines with each product's kind, as priced when the order was placed
     * (optional: added within v1 for fulfilment, which routes each line on its kind).
     */
    lines: z.optional(z.array(orderLineSchema).check(z.minLength(1))),
  }),
);

export type OrderConfirmedV1 = z.infer<typeof orderConfirmedV1.data>;
