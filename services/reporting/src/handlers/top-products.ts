import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import type { ReadThrough } from '../domain/cache';
import type { QueryTopProducts } from '../domain/ports';
import { topProductsReport, topQuerySchema } from '../domain/reports';
import { buildQueryTopProducts } from '../adapters/read-model';
import { platformDb, platformReadThrough } from './composition';

/** GET /reports/products/top?limit=1..50 (admin): best sellers by units, confirmed orders only. */
export function makeHandler(deps: { cache: ReadThrough; queryTopProducts: QueryTopProducts }) {
  const report = topProductsReport(deps.cache, deps.queryTopProducts);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const query = validate(topQuerySchema, event.queryStringParameters ?? {}, 'query string');
      const { value, source } = await report(query, principal);
      return json(200, { limit: query.limit, products: value }, { 'x-cache': source });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(
  makeHandler({ cache: platformReadThrough(), queryTopProducts: buildQueryTopProducts(platformDb()) }),
);
