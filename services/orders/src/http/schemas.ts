/**
 * Request schemas of the HTTP handlers that are not domain schemas. Apart from the
 * handlers (which pull in the runtime: observability, AWS clients) so the OpenAPI
 * contract and its generator can import them on their own.
 */
import * as z from 'zod/mini';

export const idempotencyKeySchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces'));

/** GET /customers/{customerId}/orders?limit&cursor */
export const listOrdersQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});
