import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import {
  ORDERS_SOURCE,
  currencySchema,
  customerIdSchema,
  moneySchema,
  orderIdSchema,
} from '../orders/common';
import { emailSchema } from './common';

/**
 * The internal handoff (P10) from orders to receipts: "send this customer the order
 * confirmation". A command, not a broadcast: it is the payload of an asynchronous Lambda
 * Invoke (InvocationType Event) of receipts' sendOrderConfirmation function, in the same
 * envelope as events so the correlation id and idempotency key travel with it.
 * idempotencyKey: `order-confirmation:<orderId>` (one confirmation per order, however
 * often the handoff is repeated).
 * customerEmail (optional, additive in v1): the address the customer gave when placing
 * the order. Receipts sends there and remembers it; without it, receipts falls back to
 * the address it learned from the customer's billing records.
 */
export const sendOrderConfirmationV1 = defineEvent(
  'SendOrderConfirmation',
  1,
  ORDERS_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    total: moneySchema,
    currency: currencySchema,
    confirmedAt: z.iso.datetime(),
    customerEmail: z.optional(emailSchema),
  }),
);

export type SendOrderConfirmationV1 = z.infer<typeof sendOrderConfirmationV1.data>;

export const orderConfirmationKey = (orderId: string) => `order-confirmation:${orderId}`;
