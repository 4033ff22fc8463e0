/**
 * GET /customers/{customerId}/dashboard (P11): recent orders (orders API), the
 * reporting summary and invoices (billing API, optional) in parallel, each with its own
 * timeout. One part failing makes the answer partial, not an error.
 *
 * Deployed, the dashboard runs outside the VPC (the VPC has no NAT, and the APIs it calls
 * are public endpoints), so it reads the summary through this service's own
 * `GET /reports/customers/{id}/summary` route, forwarding the caller's token, like the
 * other parts. Tests can pass an in-process `summary` instead.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { intEnv, optionalEnv } from '@order-platform/shared/config';
import {
  errorResponse,
  header,
  json,
  principalOf,
  validate,
  type Principal,
} from '@order-platform/shared/http';
import {
  CORRELATION_HEADER,
  currentCorrelationId,
  logger,
  metrics,
  withObservability,
} from '@order-platform/shared/observability';
import { aggregate, type PartSpec } from '../domain/dashboard';
import type { CustomerSummary } from '../domain/ports';
import { assertMayReadCustomer, customerIdParamSchema } from '../domain/reports';
import { buildHttpJsonCall, joinUrl } from '../adapters/http-json';
import { tracing } from '@order-platform/shared/tracing';

export interface DashboardDeps {
  summary?: (customerId: string, principal: Principal) => Promise<{ value: CustomerSummary }>;
  reportingApiUrl?: string;
  ordersApiUrl?: string;
  billingApiUrl?: string;
  timeoutsMs: { orders: number; summary: number; billing: number };
  fetchImpl?: typeof fetch;
}

export const DEFAULT_TIMEOUTS_MS = { orders: 2_000, summary: 1_500, billing: 1_500 };

export function makeHandler(deps: DashboardDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const customerId = validate(
        customerIdParamSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      assertMayReadCustomer(principal, customerId);
      const forward = {
        authorization: header(event, 'authorization'),
        [CORRELATION_HEADER]: currentCorrelationId(),
      };
      const id = encodeURIComponent(customerId);
      const http = (name: string, base: string | undefined, path: string): PartSpec['call'] =>
        base
          ? buildHttpJsonCall(joinUrl(base, path), {
              name,
              headers: forward,
              ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}),
            })
          : undefined;

      const dashboard = await aggregate(
        customerId,
        {
          orders: {
            timeoutMs: deps.timeoutsMs.orders,
            call: http('orders', deps.ordersApiUrl, `customers/${id}/orders?limit=5`),
          },
          summary: {
            timeoutMs: deps.timeoutsMs.summary,
            call: deps.summary
              ? async () => (await deps.summary!(customerId, principal)).value
              : http('summary', deps.reportingApiUrl, `reports/customers/${id}/summary`),
          },
          billing: {
            timeoutMs: deps.timeoutsMs.billing,
            call: http('billing', deps.billingApiUrl, `customers/${id}/invoices`),
          },
        },
        (part, error) => logger.warn('Dashboard part failed', { part, error: error as Error }),
      );
      for (const [part, result] of Object.entries(dashboard.parts)) {
        if (result.status !== 'ok')
          metrics.addMetric(
            `DashboardPart${result.status === 'timeout' ? 'Timeout' : 'Failed'}`,
            MetricUnit.Count,
            1,
          );
        logger.debug('Dashboard part', { part, status: result.status, durationMs: result.durationMs });
      }
      if (Object.values(dashboard.parts).every((p) => p.status !== 'ok')) {
        return json(503, {
          error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'No part of the dashboard could be loaded' },
          ...dashboard,
        });
      }
      return json(200, dashboard);
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
