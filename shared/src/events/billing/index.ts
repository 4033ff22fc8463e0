/**
 * Billing record contracts (the billing notifier's message contract, P12). Import as
 * `@order-platform/shared/events/billing/index`.
 *
 * | record                | v | published by            | idempotencyKey                    | topic        |
 * |-----------------------|---|-------------------------|-----------------------------------|--------------|
 * | PaymentCaptured       | 1 | payments ledger writer  | payment:<paymentId>:captured      | billing      |
 * | RefundIssued          | 1 | payments ledger writer  | refund:<refundId>                 | billing      |
 * | InvoiceIssued         | 1 | invoicing               | invoice:<invoiceId>               | billing      |
 * | InvoiceDocumentStored | 1 | billing notifier (P14)  | document:<bucket>/<key>@<etag>    | billing-ops  |
 *
 * Body: the JSON envelope `{ metadata, data }`. Message attributes: recordType (String),
 * version (Number), correlationId (String), see attributes.ts.
 * SendOrderConfirmation v1 is not a billing record: it is the payload of the orders ->
 * receipts handoff (an async Lambda Invoke), kept here next to the receipts contracts.
 */
export * from './common';
export * from './attributes';
export * from './paymentCaptured.v1';
export * from './refundIssued.v1';
export * from './invoiceIssued.v1';
export * from './invoiceDocumentStored.v1';
export * from './sendOrderConfirmation.v1';

import { invoiceIssuedV1 } from './invoiceIssued.v1';
import { paymentCapturedV1 } from './paymentCaptured.v1';
import { refundIssuedV1 } from './refundIssued.v1';

/** Every record the public billing topic carries. */
export const billingRecordContracts = [paymentCapturedV1, refundIssuedV1, invoiceIssuedV1] as const;
