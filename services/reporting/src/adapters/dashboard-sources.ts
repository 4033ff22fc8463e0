/**
 * Where the customer dashboard's parts come from (P11): the platform's HTTP APIs, each
 * called with the caller's own Authorization header (so every downstream applies its
 * access rules to the same principal) and the correlation id.
 *
 * Deployed, the dashboard runs outside the VPC (the VPC has no NAT, and the APIs it calls
 * are public endpoints), so it reads the summary through this service's own
 * `GET /reports/customers/{id}/summary` route, like the other parts. Tests can pass an
 * in-process `summary` instead. A source without a URL in this stage is `undefined`
 * (the part reads `unavailable`).
 */
import { CORRELATION_HEADER, currentCorrelationId } from '@order-platform/shared/observability';
import type { Principal } from '@order-platform/shared/principal';
import type { CustomerSummary, DashboardSources, PartCall } from '../domain/ports';
import { buildHttpJsonCall, joinUrl } from './http-json';

export interface DashboardSourcesConfig {
  /** In-process summary (tests) instead of the reporting API. */
  summary?: (customerId: string, principal: Principal) => Promise<{ value: CustomerSummary }>;
  reportingApiUrl?: string;
  ordersApiUrl?: string;
  billingApiUrl?: string;
  fetchImpl?: typeof fetch;
}

export interface DashboardCaller {
  customerId: string;
  principal: Principal;
  /** The caller's Authorization header, forwarded as is. */
  authorization: string | undefined;
}

export function buildDashboardSources(config: DashboardSourcesConfig) {
  return ({ customerId, principal, authorization }: DashboardCaller): DashboardSources => {
    const headers = { authorization, [CORRELATION_HEADER]: currentCorrelationId() };
    const id = encodeURIComponent(customerId);
    const http = (name: string, base: string | undefined, path: string): PartCall<unknown> | undefined =>
      base
        ? buildHttpJsonCall(joinUrl(base, path), {
            name,
            headers,
            ...(config.fetchImpl ? { fetchImpl: config.fetchImpl } : {}),
          })
        : undefined;
    const summary = config.summary;
    return {
      orders: http('orders', config.ordersApiUrl, `customers/${id}/orders?limit=5`),
      summary: summary
        ? async () => (await summary(customerId, principal)).value
        : http('summary', config.reportingApiUrl, `reports/customers/${id}/summary`),
      billing: http('billing', config.billingApiUrl, `customers/${id}/invoices`),
    };
  };
}
