/**
 * The HTTP contract of the analytics stack: POST /clickstream, which API Gateway
 * validates against its request model (ClickstreamBatch in serverless.yml) and writes to
 * Kinesis itself (no Lambda: its 202 and 502 bodies are the integration's templates). The
 * template test checks this schema and the model accept and refuse the same bodies.
 */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';

export const clickstreamEventSchema = z.strictObject({
  type: z.enum(['product_view', 'cart_add', 'checkout_step']),
  productId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/))),
  step: z.optional(z.enum(['cart', 'address', 'payment', 'order_placed'])),
  orderId: z.optional(z.string().check(z.regex(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/))),
  occurredAt: z.string().check(z.minLength(20), z.maxLength(40)),
});

export const clickstreamBatchSchema = z.strictObject({
  sessionId: z.string().check(z.regex(/^[A-Za-z0-9_-]{8,128}$/)),
  events: z.array(clickstreamEventSchema).check(z.minLength(1), z.maxLength(100)),
});

export const clickstreamAcceptedSchema = z.object({
  accepted: z.literal(true),
  /** Records Kinesis refused (send those events again). */
  failed: z.number(),
  requestId: z.string(),
});

export const contract: ServiceContract = {
  service: 'analytics',
  title: 'Analytics intake',
  description: 'Clickstream events from the web front end, written to Kinesis by API Gateway (no Lambda).',
  routes: [
    {
      method: 'post',
      path: '/clickstream',
      operationId: 'postClickstream',
      summary: 'A batch of one session’s events; validated by API Gateway, one Kinesis record each',
      auth: 'apiKey',
      body: { schema: clickstreamBatchSchema, required: true },
      responses: { 202: { description: 'Written to the stream', schema: clickstreamAcceptedSchema } },
      errors: {
        // The stack reshapes the validator's 400 (BadRequestBodyResponse) into the platform's error.
        400: 'The body does not match the model (shape, unknown field, 0 or more than 100 events)',
        502: 'Kinesis did not take the batch; retry',
      },
      gatewayErrors: { 415: 'Not application/json (the integration passes nothing else through)' },
    },
  ],
};
