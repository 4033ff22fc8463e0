import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { ORDERS_SOURCE, reasonSchema, customerIdSchema, orderIdSchema } from './common';

export const orderFailedV1 = defineEvent(
  'OrderFailed',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    reason: reasonSchema,
    failedAt: z.iso.datetime(),
  }),
);

export type OrderFailedV1 = z.infer<typeof orderFailedV1.data>;
