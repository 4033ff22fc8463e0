/**
 * The invoice, pure: one invoice per captured payment, its id derived from the payment id
 * (so every retry computes the same id), its document and its InvoiceIssued record.
 */
import { createHash } from 'node:crypto';
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import {
  invoiceIssuedV1,
  type InvoiceIssuedV1,
  type PaymentCapturedV1,
} from '@order-platform/shared/events/billing/index';

export type InvoiceStatus = 'CREATED' | 'ISSUED';

export interface Invoice {
  invoiceId: string;
  paymentId: string;
  orderId: string;
  customerId: string;
  customerEmail: string;
  amount: number;
  currency: PaymentCapturedV1['currency'];
  issuedAt: string;
  documentKey: string;
  /** The correlation id of the record that created the invoice; every later hop reuses it. */
  correlationId: string;
  /** CREATED once claimed; ISSUED once its document is stored and InvoiceIssued is published. */
  status: InvoiceStatus;
}

export const DOCUMENT_PREFIX = 'invoices/';

export function invoiceIdFor(paymentId: string): string {
  return `inv_${createHash('sha256').update(`invoice:${paymentId}`).digest('hex').slice(0, 24)}`;
}

export function draftInvoice(payment: PaymentCapturedV1, correlationId: string, now: Date): Invoice {
  const invoiceId = invoiceIdFor(payment.paymentId);
  const issuedAt = now.toISOString();
  return {
    invoiceId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    customerId: payment.customerId,
    customerEmail: payment.customerEmail,
    amount: payment.amount,
    currency: payment.currency,
    issuedAt,
    documentKey: `${DOCUMENT_PREFIX}${issuedAt.slice(0, 4)}/${invoiceId}.json`,
    correlationId,
    status: 'CREATED',
  };
}

/** Same payment id, different money: not a duplicate but a contradiction. */
export function contradicts(existing: Invoice, payment: PaymentCapturedV1): boolean {
  return (
    existing.amount !== payment.amount ||
    existing.currency !== payment.currency ||
    existing.orderId !== payment.orderId
  );
}

/** The document: deterministic for an invoice, so rewriting it on a retry changes nothing. */
export function renderInvoiceDocument(invoice: Invoice): string {
  return `${JSON.stringify(
    {
      invoiceId: invoice.invoiceId,
      issuedAt: invoice.issuedAt,
      orderId: invoice.orderId,
      paymentId: invoice.paymentId,
      billTo: { customerId: invoice.customerId, email: invoice.customerEmail },
      lines: [{ description: `Order ${invoice.orderId}`, amount: invoice.amount }],
      total: invoice.amount,
      currency: invoice.currency,
      amountsIn: 'minor units',
    },
    null,
    2,
  )}\n`;
}

export function invoiceIssuedRecord(invoice: Invoice, bucket: string): Envelope<InvoiceIssuedV1> {
  return envelope(
    invoiceIssuedV1,
    {
      invoiceId: invoice.invoiceId,
      paymentId: invoice.paymentId,
      orderId: invoice.orderId,
      customerId: invoice.customerId,
      amount: invoice.amount,
      currency: invoice.currency,
      issuedAt: invoice.issuedAt,
      document: { bucket, key: invoice.documentKey },
    },
    // Stable per invoice: if a crash repeats the publish, subscribers see the same key.
    {
      correlationId: invoice.correlationId,
      idempotencyKey: `invoice:${invoice.invoiceId}`,
      occurredAt: invoice.issuedAt,
    },
  );
}
