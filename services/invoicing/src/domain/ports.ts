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
