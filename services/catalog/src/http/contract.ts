/**
 * The catalog's public API as data (docs/openapi/catalog.json: npm run docs:contracts).
 * The internal priceLines API is a Lambda Invoke, not HTTP, so it is not here.
 */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import { KINDS, skuSchema } from '../domain/product';
import { listProductsQuerySchema } from '../handlers/http-common';

/** What toView returns (src/domain/product.ts). */
export const productViewSchema = z.object({
  sku: skuSchema,
  name: z.string(),
  kind: z.enum(KINDS),
  /** Minor units per currency the product is offered in. */
  prices: z.partialRecord(z.enum(['EUR', 'USD', 'GBP']), z.number().check(z.int(), z.nonnegative())),
  active: z.boolean(),
  version: z.number().check(z.int(), z.positive()),
  updatedAt: z.string(),
});

export const productPageSchema = z.object({
  items: z.array(productViewSchema),
  nextCursor: z.optional(z.string()),
});

const cached = { 'cache-control': 'public, max-age=60' };

export const contract: ServiceContract = {
  service: 'catalog',
  title: 'Catalog API',
  description: 'Browse products and their prices (public, cacheable for a minute).',
  routes: [
    {
      method: 'get',
      path: '/products',
      operationId: 'listProducts',
      summary: 'Active products by SKU, optionally of one kind, cursor-paginated',
      auth: 'none',
      query: listProductsQuerySchema,
      responses: { 200: { description: 'A page of products', schema: productPageSchema, headers: cached } },
      errors: { 400: 'Unknown kind, bad limit or cursor' },
    },
    {
      method: 'get',
      path: '/products/{sku}',
      operationId: 'getProduct',
      summary: 'One product, active or not',
      auth: 'none',
      pathParams: { sku: skuSchema },
      responses: { 200: { description: 'The product', schema: productViewSchema, headers: cached } },
      errors: { 400: 'Malformed SKU', 404: 'Unknown SKU' },
    },
  ],
};
