import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { ORDERS_SOURCE, moneySchema, currencySchema, customerIdSchema, orderIdSchema } from './common';

export const orderConfirmedV1 = defineEvent(
  'OrderConfirmed',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    total: moneySchema,
    currency: currencySchema,
    confirmedAt: z.iso.datetime(),
  }),
);

export type OrderConfirmedV1 = z.infer<typeof orderConfirmedV1.data>;
