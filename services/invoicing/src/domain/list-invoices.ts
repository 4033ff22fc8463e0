/**
 * The billing API's read side, pure: GET /customers/{customerId}/invoices.
 * A customer lists only their own invoices (someone else's collection is 403, as in the
 * orders API); an admin lists anyone's. What an invoice shows: its ids, money, when it
 * was issued and where its document lives (the same `{bucket, key}` InvoiceIssued
 * carries). Only ISSUED invoices are listed: a CREATED one is still being issued and its
 * document may not exist yet.
 */
import { ForbiddenError } from '@order-platform/shared/errors';
import type { Principal } from '@order-platform/shared/principal';
import type { InvoiceSummary, ListCustomerInvoices } from './ports';

/** ?limit&cursor: the platform's one page query (the OpenAPI contract documents it). */
export { pageQuerySchema as listInvoicesQuerySchema } from '@order-platform/shared/pagination';

export interface InvoiceView {
  invoiceId: string;
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
  issuedAt: string;
  document: { bucket: string; key: string };
}

export function toInvoiceView(invoice: InvoiceSummary, bucket: string): InvoiceView {
  return {
    invoiceId: invoice.invoiceId,
    orderId: invoice.orderId,
    paymentId: invoice.paymentId,
    amount: invoice.amount,
    currency: invoice.currency,
    issuedAt: invoice.issuedAt,
    document: { bucket, key: invoice.documentKey },
  };
}

export function listInvoicesFor(list: ListCustomerInvoices, bucket: string) {
  return async (
    customerId: string,
    principal: Principal,
    opts: { limit: number; cursor?: string },
  ): Promise<{ customerId: string; invoices: InvoiceView[]; nextCursor?: string }> => {
    if (principal.role !== 'admin' && principal.customerId !== customerId) {
      throw new ForbiddenError('You may only list your own invoices');
    }
    const page = await list(customerId, opts);
    return {
      customerId,
      invoices: page.invoices.map((i) => toInvoiceView(i, bucket)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  };
}
