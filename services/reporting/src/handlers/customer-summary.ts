import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import type { ReadThrough } from '../domain/cache';
import type { QueryCustomerSummary } from '../domain/ports';
import { customerIdParamSchema, customerSummaryReport } from '../domain/reports';
import { buildQueryCustomerSummary } from '../adapters/read-model';
import { platformDb, platformReadThrough } from './composition';

/** GET /reports/customers/{customerId}/summary: the caller's own summary (admins: anyone's). */
export function makeHandler(deps: { cache: ReadThrough; queryCustomerSummary: QueryCustomerSummary }) {
  const report = customerSummaryReport(deps.cache, deps.queryCustomerSummary);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const customerId = validate(
        customerIdParamSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      const { value, source } = await report(customerId, principal);
      return json(200, value, { 'x-cache': source });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(
  makeHandler({
    cache: platformReadThrough(),
    queryCustomerSummary: buildQueryCustomerSummary(platformDb()),
  }),
);
