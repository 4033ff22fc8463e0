/** GET /products/{sku}: one product (active or not), public; 400 for a malformed SKU, 404 if unknown. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { buildGetProduct } from '../adapters/products-table';
import { skuSchema } from '../domain/product';
import { getProduct } from '../domain/use-cases';
import { productsTable } from './deps';
import { CACHE_HEADERS } from './http-common';

export function makeHandler(get: ReturnType<typeof getProduct>) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const sku = validate(skuSchema, event.pathParameters?.sku ?? '', 'sku path parameter');
      return json(200, await get(sku), CACHE_HEADERS);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const { doc, table } = productsTable({ maxAttempts: 2 });

export const handler = withObservability(makeHandler(getProduct(buildGetProduct(doc, table))));
