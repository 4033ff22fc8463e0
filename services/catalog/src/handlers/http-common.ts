import * as z from 'zod/mini';
import { pageQuerySchema } from '@order-platform/shared/pagination';
import { kindSchema } from '../domain/product';

/** Browsing is public and a minute old is fresh enough for a product page or list. */
export const CACHE_HEADERS = { 'cache-control': 'public, max-age=60' };

/** GET /products?kind&limit&cursor (here, not in the handler, so the OpenAPI contract can import it). */
export const listProductsQuerySchema = z.extend(pageQuerySchema, { kind: z.optional(kindSchema) });
