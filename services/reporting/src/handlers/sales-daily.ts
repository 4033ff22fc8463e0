import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import type { ReadThrough } from '../domain/cache';
import type { QueryDailySales } from '../domain/ports';
import { dailySalesReport, salesQuerySchema } from '../domain/reports';
import { buildQueryDailySales } from '../adapters/read-model';
import { platformDb, platformReadThrough } from './composition';

/** GET /reports/sales/daily?from=YYYY-MM-DD&to=YYYY-MM-DD (admin): sales per day and currency. */
export function makeHandler(deps: { cache: ReadThrough; queryDailySales: QueryDailySales }) {
  const report = dailySalesReport(deps.cache, deps.queryDailySales);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const query = validate(salesQuerySchema, event.queryStringParameters ?? {}, 'query string');
      const { value, source } = await report(query, principal);
      return json(200, value, { 'x-cache': source });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(
  makeHandler({ cache: platformReadThrough(), queryDailySales: buildQueryDailySales(platformDb()) }),
);
