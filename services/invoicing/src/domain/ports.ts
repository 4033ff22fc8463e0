import type { Envelope } from '@order-platform/shared/events/envelope';
import type { Invoice } from './invoice';

/** Creates the invoice if the payment has none yet; otherwise returns the one that exists. */
export type ClaimInvoice = (
  draft: Invoice,
) => Promise<{ claimed: true } | { claimed: false; existing: Invoice }>;
export type StoreInvoiceDocument = (key: string, body: string, correlationId: string) => Promise<void>;
export type PublishBillingRecord = (record: Envelope<unknown>) => Promise<string>;
/** Marks the invoice ISSUED (no-op if it already is). */
export type MarkInvoiceIssued = (paymentId: string) => Promise<void>;

/** What the customer index projects (no email, no correlation id: the API never shows them). */
export type InvoiceSummary = Pick<
  Invoice,
  | 'invoiceId'
  | 'paymentId'
  | 'orderId'
  | 'customerId'
  | 'amount'
  | 'currency'
  | 'issuedAt'
  | 'documentKey'
  | 'status'
>;

/** A page of a customer's invoices, newest first; `nextCursor` is opaque to callers. */
export interface InvoicePage {
  invoices: InvoiceSummary[];
  nextCursor?: string;
}
/** Lists a customer's issued invoices, newest first (ValidationError for a foreign cursor). */
export type ListCustomerInvoices = (
  customerId: string,
  opts: { limit: number; cursor?: string },
) => Promise<InvoicePage>;
