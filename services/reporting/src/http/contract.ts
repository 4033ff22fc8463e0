/** The reports API and the customer dashboard as data (docs/openapi/reporting.json). */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import { customerIdParamSchema, salesQuerySchema, topQuerySchema } from '../domain/reports';

const count = () => z.number().check(z.int(), z.nonnegative());

/** DailySalesReport (src/domain/ports.ts). */
export const dailySalesSchema = z.object({
  from: z.string(),
  to: z.string(),
  days: z.array(
    z.object({ day: z.string(), currency: z.string(), orders: count(), units: count(), revenue: count() }),
  ),
  totals: z.array(z.object({ currency: z.string(), orders: count(), units: count(), revenue: count() })),
});

/** CustomerSummary (src/domain/ports.ts). */
export const customerSummarySchema = z.object({
  customerId: z.string(),
  orders: z.object({
    total: count(),
    confirmed: count(),
    cancelled: count(),
    failed: count(),
    open: count(),
  }),
  spent: z.array(z.object({ currency: z.string(), amount: count() })),
  firstOrderAt: z.nullable(z.string()),
  lastOrderAt: z.nullable(z.string()),
});

export const topProductsSchema = z.object({
  limit: z.number().check(z.int(), z.positive()),
  products: z.array(
    z.object({ sku: z.string(), units: count(), orders: count(), revenue: z.record(z.string(), count()) }),
  ),
});

/** One part of the dashboard (src/domain/dashboard.ts PartResult): a marker, and data when ok. */
const partSchema = z.object({
  status: z.enum(['ok', 'timeout', 'error', 'unavailable']),
  data: z.optional(z.unknown()),
  error: z.optional(z.string()),
  durationMs: count(),
});

export const dashboardSchema = z.object({
  customerId: z.string(),
  partial: z.boolean(),
  parts: z.object({ orders: partSchema, summary: partSchema, billing: partSchema }),
});

const cacheHeader = { 'x-cache': 'hit or miss: where the answer came from' };

export const contract: ServiceContract = {
  service: 'reporting',
  title: 'Reports API',
  description: 'Sales and customer reports from the read model (cache-aside), and the customer dashboard.',
  routes: [
    {
      method: 'get',
      path: '/reports/sales/daily',
      operationId: 'dailySales',
      summary: 'Sales per day and currency (admin)',
      auth: 'bearer',
      query: salesQuerySchema,
      responses: { 200: { description: 'The report', schema: dailySalesSchema, headers: cacheHeader } },
      errors: { 400: 'Missing or bad dates, or too long a range', 403: 'Not an admin' },
    },
    {
      method: 'get',
      path: '/reports/customers/{customerId}/summary',
      operationId: 'customerSummary',
      summary: "A customer's summary (own; admins: any)",
      auth: 'bearer',
      pathParams: { customerId: customerIdParamSchema },
      responses: {
        200: { description: 'The summary', schema: customerSummarySchema, headers: cacheHeader },
      },
      errors: { 400: 'Malformed customer id', 403: "Another customer's summary" },
    },
    {
      method: 'get',
      path: '/reports/products/top',
      operationId: 'topProducts',
      summary: 'Best sellers by units, confirmed orders only (admin)',
      auth: 'bearer',
      query: topQuerySchema,
      responses: { 200: { description: 'The ranking', schema: topProductsSchema, headers: cacheHeader } },
      errors: { 400: 'Bad limit', 403: 'Not an admin' },
    },
    {
      method: 'get',
      path: '/customers/{customerId}/dashboard',
      operationId: 'customerDashboard',
      summary: 'Orders, summary and invoices in parallel; partial when a part fails',
      auth: 'bearer',
      pathParams: { customerId: customerIdParamSchema },
      responses: {
        200: { description: 'The dashboard (partial: true when a part is missing)', schema: dashboardSchema },
      },
      errors: {
        400: 'Malformed customer id',

        403: "Another customer's dashboard",
        // The body also carries the (empty) parts; the error shape is what a client branches on.
        503: 'No part could be loaded',
      },
    },
  ],
};
