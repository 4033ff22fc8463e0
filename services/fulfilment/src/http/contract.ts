/** The fulfilment API as data (docs/openapi/fulfilment.json: npm run docs:contracts). */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import { currencySchema, orderIdSchema } from '@order-platform/shared/events/orders';
import { redeemInputSchema } from '../domain/fulfilment';

export const lineViewSchema = z.object({
  lineNo: z.number().check(z.int(), z.positive()),
  sku: z.string(),
  kind: z.string(),
  quantity: z.number().check(z.int(), z.positive()),
  status: z.enum([
    'processing',
    'booked',
    'label_created',
    'in_transit',
    'out_for_delivery',
    'delivered',
    'exception',
    'ready',
    'issued',
    'redeemed',
  ]),
  updatedAt: z.string(),
  shipment: z.optional(z.object({ carrier: z.string(), trackingNumber: z.string() })),
  download: z.optional(z.object({ url: z.string(), expiresAt: z.string() })),
  giftCard: z.optional(
    z.object({ code: z.string(), revealed: z.boolean(), redeemedAt: z.optional(z.string()) }),
  ),
  duplicatesIgnored: z.optional(z.number().check(z.int(), z.positive())),
  problem: z.optional(z.string()),
});

export const fulfilmentViewSchema = z.object({ orderId: orderIdSchema, lines: z.array(lineViewSchema) });

export const contract: ServiceContract = {
  service: 'fulfilment',
  title: 'Fulfilment API',
  description:
    'Each line of a confirmed order as fulfilment sees it (shipment, download, gift card), and gift card redemption.',
  routes: [
    {
      method: 'get',
      path: '/orders/{orderId}/fulfilment',
      operationId: 'getOrderFulfilment',
      summary:
        "Each line's fulfilment status; a fresh expiring download link per digital line; a gift card code shown on the first read only",
      auth: 'bearer',
      pathParams: { orderId: orderIdSchema },
      responses: { 200: { description: 'The lines of the order', schema: fulfilmentViewSchema } },
      errors: {
        400: 'Malformed order id',
        403: "Another customer's order",
        404: 'Nothing fulfilled for this order (yet)',
      },
    },
    {
      method: 'post',
      path: '/giftcards/redeem',
      operationId: 'redeemGiftCard',
      summary: 'Redeems a gift card code, once',
      auth: 'bearer',
      body: { schema: redeemInputSchema, required: true },
      responses: {
        200: {
          description: 'Redeemed: the value of the card',
          schema: z.object({
            redeemed: z.literal(true),
            amount: z.number().check(z.int(), z.nonnegative()),
            currency: currencySchema,
          }),
        },
      },
      errors: {
        400: 'Malformed JSON or code',
        404: 'No gift card has this code',
        409: 'The card was already redeemed (the answer says when)',
        413: 'Body too large',
        415: 'Not JSON',
      },
    },
  ],
};
