/** GET /products?kind&limit&cursor: active products, a page at a time (opaque cursor), public. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { buildListProducts } from '../adapters/products-table';
import type { ListProducts } from '../domain/ports';
import { productsTable } from './deps';
import { CACHE_HEADERS, listProductsQuerySchema } from './http-common';

export function makeHandler(list: ListProducts) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const query = validate(listProductsQuerySchema, event.queryStringParameters ?? {}, 'query string');
      return json(200, await list(query), CACHE_HEADERS);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const { doc, table } = productsTable({ maxAttempts: 2 });

export const handler = withObservability(makeHandler(buildListProducts(doc, table)));
