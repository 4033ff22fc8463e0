/**
 * The orders API as data: the routes of serverless.yml with the schemas the handlers
 * parse (docs/openapi/orders.json is generated from this: npm run docs:contracts).
 * Responses are described here, next to the requests, because the handlers build them
 * from types, not schemas; tests/contracts.unit.test.ts parses real views with them.
 */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import {
  currencySchema,
  customerIdSchema,
  orderIdSchema,
  orderLineSchema,
} from '@order-platform/shared/events/orders';
import { ORDER_STATUSES, cancelOrderInputSchema, placeOrderInputSchema } from '../domain/order';
import { idempotencyKeySchema, listOrdersQuerySchema } from './schemas';

/** What toView returns (src/domain/order.ts). */
export const orderViewSchema = z.object({
  orderId: orderIdSchema,
  customerId: customerIdSchema,
  status: z.enum(ORDER_STATUSES),
  contactEmail: z.optional(z.string()),
  lines: z.array(orderLineSchema),
  total: z.number().check(z.int(), z.nonnegative()),
  currency: currencySchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  statusReason: z.optional(z.string()),
  paymentId: z.optional(z.string()),
});

export const orderPageSchema = z.object({
  orders: z.array(orderViewSchema),
  nextCursor: z.optional(z.string()),
});

export const healthSchema = z.object({ status: z.literal('ok'), service: z.string(), version: z.string() });

export const contract: ServiceContract = {
  service: 'orders',
  title: 'Orders API',
  description: 'Place, read, list and cancel orders. Prices come from the catalog, never from the client.',
  routes: [
    {
      method: 'post',
      path: '/orders',
      operationId: 'placeOrder',
      summary: 'Place an order (once per Idempotency-Key)',
      auth: 'bearer',
      headers: {
        'Idempotency-Key': {
          schema: idempotencyKeySchema,
          description: 'Replays answer the first response (with idempotent-replayed: true).',
        },
      },
      body: { schema: placeOrderInputSchema, required: true },
      responses: {
        201: {
          description: 'The new order (or the replayed first answer)',
          schema: orderViewSchema,
          headers: {
            location: 'Where the order can be read',
            'idempotent-replayed': 'true when this is a replay',
          },
        },
      },
      errors: {
        400: 'Malformed JSON or a body the schema rejects',
        413: 'Body over 16 KiB',
        415: 'Not application/json',
        422: 'No contact address, or Idempotency-Key reused with another body',
        503: 'The catalog could not price the lines',
      },
    },
    {
      method: 'get',
      path: '/orders/{orderId}',
      operationId: 'getOrder',
      summary: "The caller's own order (admins: any)",
      auth: 'bearer',
      pathParams: { orderId: orderIdSchema },
      responses: {
        200: {
          description: "The order; once confirmed, `fulfilmentUrl` is where each line's fulfilment is shown",
          schema: z.extend(orderViewSchema, { fulfilmentUrl: z.optional(z.string()) }),
        },
      },
      errors: {
        400: 'Malformed order id',
        404: "Unknown, or another customer's",
      },
    },
    {
      method: 'post',
      path: '/orders/{orderId}/cancel',
      operationId: 'cancelOrder',
      summary: 'Cancel an order from a cancellable state',
      auth: 'bearer',
      pathParams: { orderId: orderIdSchema },
      body: { schema: cancelOrderInputSchema, required: false, description: 'Empty: the default reason' },
      responses: { 200: { description: 'The cancelled order', schema: orderViewSchema } },
      errors: {
        400: 'Malformed order id or body',
        404: "Unknown, or another customer's",
        409: 'No longer cancellable (confirmed, failed or cancelled)',
      },
    },
    {
      method: 'get',
      path: '/customers/{customerId}/orders',
      operationId: 'listCustomerOrders',
      summary: "A customer's orders, newest first, cursor-paginated",
      auth: 'bearer',
      pathParams: { customerId: customerIdSchema },
      query: listOrdersQuerySchema,
      responses: { 200: { description: 'A page of orders', schema: orderPageSchema } },
      errors: {
        400: 'Malformed customer id, limit or cursor',
        403: "Another customer's orders",
      },
    },
    {
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness probe; touches no dependency',
      auth: 'none',
      responses: { 200: { description: 'Alive', schema: healthSchema } },
      errors: {},
    },
  ],
};
