/** GET /products?kind&limit&cursor: active products, a page at a time (opaque cursor), public. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { errorResponse, json, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { buildListProducts } from '../adapters/products-table';
import type { ListProducts } from '../domain/ports';
import { kindSchema } from '../domain/product';
import { productsTable } from './deps';
import { CACHE_HEADERS } from './http-common';

const querySchema = z.strictObject({
  kind: z.optional(kindSchema),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});

export function makeHandler(list: ListProducts) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const query = validate(querySchema, event.queryStringParameters ?? {}, 'query string');
      return json(200, await list(query), CACHE_HEADERS);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const { doc, table } = productsTable({ maxAttempts: 2 });

export const handler = withObservability(makeHandler(buildListProducts(doc, table)));
