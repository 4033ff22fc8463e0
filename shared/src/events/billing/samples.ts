/**
 * Sample billing records: the same events drive the producers' and the consumers'
 * contract tests, and the component tests. Each call gives fresh ids unless overridden.
 */
import { randomUUID } from 'node:crypto';
import { envelope, type Envelope } from '../envelope';
import { invoiceDocumentStoredV1, type InvoiceDocumentStoredV1 } from './invoiceDocumentStored.v1';
import { invoiceIssuedV1, type InvoiceIssuedV1 } from './invoiceIssued.v1';
import { paymentCapturedV1, type PaymentCapturedV1 } from './paymentCaptured.v1';
import { refundIssuedV1, type RefundIssuedV1 } from './refundIssued.v1';
import {
  orderConfirmationKey,
  sendOrderConfirmationV1,
  type SendOrderConfirmationV1,
} from './sendOrderConfirmation.v1';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const suffix = (n: number) => randomUUID().replace(/-/g, '').slice(0, n);

export function sampleOrderId(): string {
  let s = '';
  for (let i = 0; i < 26; i++) s += CROCKFORD[Math.floor(Math.random() * 32)];
  return `ord_${s}`;
}

export function samplePaymentCaptured(
  over: Partial<PaymentCapturedV1> = {},
  correlationId: string = randomUUID(),
): Envelope<PaymentCapturedV1> {
  const data: PaymentCapturedV1 = {
    paymentId: `pay_${suffix(16)}`,
    orderId: sampleOrderId(),
    customerId: `cus_${suffix(8)}`,
    customerEmail: `buyer-${suffix(8)}@example.com`,
    amount: 4_990,
    currency: 'EUR',
    capturedAt: '2026-11-20T10:15:00.000Z',
    ...over,
  };
  return envelope(paymentCapturedV1, data, {
    correlationId,
    idempotencyKey: `payment:${data.paymentId}:captured`,
    occurredAt: data.capturedAt,
  });
}

export function sampleRefundIssued(
  over: Partial<RefundIssuedV1> = {},
  correlationId: string = randomUUID(),
): Envelope<RefundIssuedV1> {
  const data: RefundIssuedV1 = {
    refundId: `ref_${suffix(16)}`,
    paymentId: `pay_${suffix(16)}`,
    orderId: sampleOrderId(),
    customerId: `cus_${suffix(8)}`,
    customerEmail: `buyer-${suffix(8)}@example.com`,
    amount: 1_000,
    currency: 'EUR',
    reason: 'item returned',
    refundedAt: '2026-11-21T08:00:00.000Z',
    ...over,
  };
  return envelope(refundIssuedV1, data, {
    correlationId,
    idempotencyKey: `refund:${data.refundId}`,
    occurredAt: data.refundedAt,
  });
}

export function sampleInvoiceIssued(
  over: Partial<InvoiceIssuedV1> = {},
  correlationId: string = randomUUID(),
): Envelope<InvoiceIssuedV1> {
  const data: InvoiceIssuedV1 = {
    invoiceId: `inv_${suffix(24)}`,
    paymentId: `pay_${suffix(16)}`,
    orderId: sampleOrderId(),
    customerId: `cus_${suffix(8)}`,
    amount: 4_990,
    currency: 'EUR',
    issuedAt: '2026-11-20T10:16:00.000Z',
    document: { bucket: 'op-invoicing-dev-000000000000-us-east-1', key: 'invoices/2026/inv_sample.json' },
    ...over,
  };
  return envelope(invoiceIssuedV1, data, {
    correlationId,
    idempotencyKey: `invoice:${data.invoiceId}`,
    occurredAt: data.issuedAt,
  });
}

export function sampleInvoiceDocumentStored(
  over: Partial<InvoiceDocumentStoredV1> = {},
  correlationId: string = randomUUID(),
): Envelope<InvoiceDocumentStoredV1> {
  const data: InvoiceDocumentStoredV1 = {
    document: {
      bucket: 'op-invoicing-dev-000000000000-us-east-1',
      key: `invoices/2026/inv_${suffix(24)}.json`,
    },
    size: 512,
    etag: suffix(32),
    storedAt: '2026-11-20T10:16:01.000Z',
    ...over,
  };
  return envelope(invoiceDocumentStoredV1, data, {
    correlationId,
    idempotencyKey: `document:${data.document.bucket}/${data.document.key}@${data.etag}`,
    occurredAt: data.storedAt,
  });
}

export function sampleSendOrderConfirmation(
  over: Partial<SendOrderConfirmationV1> = {},
  correlationId: string = randomUUID(),
): Envelope<SendOrderConfirmationV1> {
  const data: SendOrderConfirmationV1 = {
    orderId: sampleOrderId(),
    customerId: `cus_${suffix(8)}`,
    total: 4_990,
    currency: 'EUR',
    confirmedAt: '2026-11-20T10:20:00.000Z',
    ...over,
  };
  return envelope(sendOrderConfirmationV1, data, {
    correlationId,
    idempotencyKey: orderConfirmationKey(data.orderId),
    occurredAt: data.confirmedAt,
  });
}
