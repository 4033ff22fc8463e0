/** The billing API as data (docs/openapi/invoicing.json: npm run docs:contracts). */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import { currencySchema, customerIdSchema, orderIdSchema } from '@order-platform/shared/events/orders';
import { listInvoicesQuerySchema } from '../domain/list-invoices';

/** What toInvoiceView returns (src/domain/list-invoices.ts). */
export const invoiceViewSchema = z.object({
  invoiceId: z.string(),
  orderId: orderIdSchema,
  paymentId: z.string(),
  amount: z.number().check(z.int(), z.nonnegative()),
  currency: currencySchema,
  issuedAt: z.string(),
  document: z.object({ bucket: z.string(), key: z.string() }),
});

export const invoicePageSchema = z.object({
  customerId: customerIdSchema,
  invoices: z.array(invoiceViewSchema),
  nextCursor: z.optional(z.string()),
});

export const contract: ServiceContract = {
  service: 'invoicing',
  title: 'Billing API',
  description: "A customer's issued invoices and where their documents live.",
  routes: [
    {
      method: 'get',
      path: '/customers/{customerId}/invoices',
      operationId: 'listCustomerInvoices',
      summary: "A customer's issued invoices, newest first, cursor-paginated",
      auth: 'bearer',
      pathParams: { customerId: customerIdSchema },
      query: listInvoicesQuerySchema,
      responses: { 200: { description: 'A page of invoices', schema: invoicePageSchema } },
      errors: {
        400: 'Malformed customer id, limit or cursor',
        403: "Another customer's invoices",
      },
    },
  ],
};
