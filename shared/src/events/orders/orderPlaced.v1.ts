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

export const orderPlacedV1 = defineEvent(
  'OrderPlaced',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    lines: z.array(orderLineSchema).check(z.minLength(1)),
    total: moneySchema,
    currency: currencySchema,
    placedAt: z.iso.datetime(),
  }),
);

export type OrderPlacedV1 = z.infer<typeof orderPlacedV1.data>;
