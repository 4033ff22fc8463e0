/**
 * Request schemas of the HTTP handlers that are not domain schemas. Apart from the
 * handlers (which pull in the runtime: observability, AWS clients) so the OpenAPI
 * contract and its generator can import them on their own.
 */
import * as z from 'zod/mini';

export const idempotencyKeySchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces'));

/** GET /customers/{customerId}/orders?limit&cursor: the platform's one page query. */
export { pageQuerySchema as listOrdersQuerySchema } from '@order-platform/shared/pagination';
