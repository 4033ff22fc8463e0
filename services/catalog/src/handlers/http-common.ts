import * as z from 'zod/mini';
import { kindSchema } from '../domain/product';

/** Browsing is public and a minute old is fresh enough for a product page or list. */
export const CACHE_HEADERS = { 'cache-control': 'public, max-age=60' };

/** GET /products?kind&limit&cursor (here, not in the handler, so the OpenAPI contract can import it). */
export const listProductsQuerySchema = z.strictObject({
  kind: z.optional(kindSchema),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});
