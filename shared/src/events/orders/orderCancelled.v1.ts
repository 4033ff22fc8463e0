import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { ORDERS_SOURCE, reasonSchema, customerIdSchema, orderIdSchema } from './common';

export const orderCancelledV1 = defineEvent(
  'OrderCancelled',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    reason: reasonSchema,
    cancelledAt: z.iso.datetime(),
  }),
);

export type OrderCancelledV1 = z.infer<typeof orderCancelledV1.data>;
