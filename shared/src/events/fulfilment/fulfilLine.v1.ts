/**
 * FulfilLine v1: fulfilment's router to one of its tasks (the asynchronous Invoke
 * payload), one confirmed order line. `kind` is a plain string on purpose: the router
 * forwards what the order said, and each task checks it was sent its own kind. The
 * envelope's idempotency key is `orderId#lineNo`: the line is fulfilled once under it.
 */
import * as z from 'zod/mini';
import { defineEvent, envelope, type Envelope } from '../envelope';
import { currencySchema, customerIdSchema, orderIdSchema, skuSchema } from '../orders/common';

export const FULFILMENT_SOURCE = 'order-platform.fulfilment';

export const fulfilLineV1 = defineEvent(
  'FulfilLine',
  1,
  FULFILMENT_SOURCE,
  z.object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    lineNo: z.number().check(z.int(), z.positive()),
    sku: skuSchema,
    kind: z.string().check(z.minLength(1), z.maxLength(40)),
    quantity: z.number().check(z.int(), z.positive()),
    unitPrice: z.number().check(z.int(), z.nonnegative()),
    currency: currencySchema,
  }),
);
export type FulfilLineV1 = z.infer<typeof fulfilLineV1.data>;

/** The one idempotency key of a line's fulfilment. */
export const lineKey = (orderId: string, lineNo: number) => `${orderId}#${lineNo}`;

export function sampleFulfilLine(over: Partial<FulfilLineV1> = {}): Envelope<FulfilLineV1> {
  const data: FulfilLineV1 = {
    orderId: 'ord_01JD0000000000000000000000',
    customerId: 'cus-sample',
    lineNo: 1,
    sku: 'MUG-LOGO',
    kind: 'physical',
    quantity: 1,
    unitPrice: 1250,
    currency: 'EUR',
    ...over,
  };
  return envelope(fulfilLineV1, data, {
    correlationId: 'corr-sample',
    idempotencyKey: lineKey(data.orderId, data.lineNo),
    occurredAt: '2026-11-22T10:01:00.000Z',
  });
}
