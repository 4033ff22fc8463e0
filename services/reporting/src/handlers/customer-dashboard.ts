/**
 * GET /customers/{customerId}/dashboard (P11): domain/dashboard.ts customerDashboard over
 * the platform's HTTP APIs (adapters/dashboard-sources.ts). 200 with every part's marker
 * (partial when one failed), 503 with the markers when none could be loaded.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { intEnv, optionalEnv } from '@order-platform/shared/config';
import { errorResponse, header, json, principalOf, validate } from '@order-platform/shared/http';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { tracing } from '@order-platform/shared/tracing';
import { DEFAULT_TIMEOUTS_MS, customerDashboard } from '../domain/dashboard';
import type { DashboardPart } from '../domain/ports';
import { customerIdParamSchema } from '../domain/reports';
import { buildDashboardSources, type DashboardSourcesConfig } from '../adapters/dashboard-sources';

export interface DashboardDeps extends DashboardSourcesConfig {
  timeoutsMs: Record<DashboardPart, number>;
}

export function makeHandler(deps: DashboardDeps) {
  const sourcesFor = buildDashboardSources(deps);
  const dashboardOf = customerDashboard(deps.timeoutsMs, (part, error) =>
    logger.warn('Dashboard part failed', { part, error: error as Error }),
  );
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const customerId = validate(
        customerIdParamSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      const authorization = header(event, 'authorization');
      const { unavailable, ...dashboard } = await dashboardOf(
        principal,
        customerId,
        sourcesFor({ customerId, principal, authorization }),
      );
      for (const [part, { status, durationMs }] of Object.entries(dashboard.parts)) {
        if (status !== 'ok')
          metrics.addMetric(
            `DashboardPart${status === 'timeout' ? 'Timeout' : 'Failed'}`,
            MetricUnit.Count,
            1,
          );
        logger.debug('Dashboard part', { part, status, durationMs });
      }
      if (!unavailable) return json(200, dashboard);
      const error = { code: 'DEPENDENCY_UNAVAILABLE', message: 'No part of the dashboard could be loaded' };
      return json(503, { error, ...dashboard });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(
  makeHandler({
    reportingApiUrl: optionalEnv('REPORTING_API_URL'),
    ordersApiUrl: optionalEnv('ORDERS_API_URL'),
    billingApiUrl: optionalEnv('BILLING_API_URL'),
    timeoutsMs: {
      orders: intEnv('DASHBOARD_ORDERS_TIMEOUT_MS', DEFAULT_TIMEOUTS_MS.orders),
      summary: intEnv('DASHBOARD_SUMMARY_TIMEOUT_MS', DEFAULT_TIMEOUTS_MS.summary),
      billing: intEnv('DASHBOARD_BILLING_TIMEOUT_MS', DEFAULT_TIMEOUTS_MS.billing),
    },
  }),
  // X-Ray sub-segments per downstream call: where the time of a slow dashboard went.
  { middlewares: [tracing()] },
);
