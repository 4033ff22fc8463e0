/**
 * Issuing an invoice for a captured payment, exactly once per payment however often the
 * record is delivered (X1). The steps are ordered so that any prefix of them can be
 * repeated safely:
 *
 *   1. claim   conditional put of the invoice (status CREATED): the one decision point.
 *   2. store   put the document under its fixed key: rewriting identical bytes is a no-op.
 *   3. publish InvoiceIssued with the invoice's fixed idempotency key.
 *   4. mark    status ISSUED: from now on a duplicate record does nothing at all.
 *
 * A crash between 1 and 4 leaves CREATED; the retry finds it and resumes at 2 with the
 * stored invoice (never a second invoice). Only a crash between 3 and 4 can publish
 * InvoiceIssued twice, with the same idempotency key, which subscribers deduplicate.
 */
import { PermanentError } from '@order-platform/shared/errors';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PaymentCapturedV1 } from '@order-platform/shared/events/billing/index';
import {
  contradicts,
  draftInvoice,
  invoiceIssuedRecord,
  renderInvoiceDocument,
  type Invoice,
} from './invoice';
import type { ClaimInvoice, MarkInvoiceIssued, PublishBillingRecord, StoreInvoiceDocument } from './ports';

export interface IssueInvoiceDeps {
  claimInvoice: ClaimInvoice;
  storeDocument: StoreInvoiceDocument;
  publish: PublishBillingRecord;
  markIssued: MarkInvoiceIssued;
  bucket: string;
  now: () => Date;
}

export type IssueOutcome = { outcome: 'issued' | 'resumed' | 'duplicate'; invoice: Invoice };

export function issueInvoiceFor(deps: IssueInvoiceDeps) {
  return async (payment: Envelope<PaymentCapturedV1>): Promise<IssueOutcome> => {
    const draft = draftInvoice(payment.data, payment.metadata.correlationId, deps.now());
    const claim = await deps.claimInvoice(draft);
    const invoice = claim.claimed ? draft : claim.existing;
    if (!claim.claimed && contradicts(claim.existing, payment.data)) {
      throw new PermanentError(
        `Payment ${payment.data.paymentId} already has invoice ${invoice.invoiceId} for ${invoice.amount} ${invoice.currency} (order ${invoice.orderId}); refusing a contradicting record`,
      );
    }
    if (invoice.status === 'ISSUED') return { outcome: 'duplicate', invoice };
    await deps.storeDocument(invoice.documentKey, renderInvoiceDocument(invoice), invoice.correlationId);
    await deps.publish(invoiceIssuedRecord(invoice, deps.bucket));
    await deps.markIssued(invoice.paymentId);
    return { outcome: claim.claimed ? 'issued' : 'resumed', invoice };
  };
}
