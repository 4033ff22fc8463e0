import { describe, expect, it } from 'vitest';
import { PermanentError } from '@order-platform/shared/errors';
import { parseEnvelope, type Envelope } from '@order-platform/shared/events/envelope';
import { invoiceIssuedV1 } from '@order-platform/shared/events/billing/index';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { invoiceIdFor, renderInvoiceDocument, type Invoice } from './invoice';
import { issueInvoiceFor, type IssueInvoiceDeps } from './issue-invoice';

/** In-memory fakes at the ports, with a switch to crash after a given step. */
function fakes(crashAfter?: 'claim' | 'store' | 'publish') {
  const invoices = new Map<string, Invoice>();
  const documents = new Map<string, string>();
  const published: Envelope<unknown>[] = [];
  const crash = (step: string) => {
    if (crashAfter === step) throw new Error(`crash after ${step}`);
  };
  const deps: IssueInvoiceDeps = {
    claimInvoice: async (draft) => {
      const existing = invoices.get(draft.paymentId);
      if (existing) return { claimed: false, existing: { ...existing } };
      invoices.set(draft.paymentId, { ...draft });
      crash('claim');
      return { claimed: true };
    },
    storeDocument: async (key, body) => {
      documents.set(key, body);
      crash('store');
    },
    publish: async (record) => {
      published.push(record);
      crash('publish');
      return 'id';
    },
    markIssued: async (paymentId) => {
      invoices.get(paymentId)!.status = 'ISSUED';
    },
    bucket: 'op-invoicing-dev-123456789012-us-east-1',
    now: () => new Date('2026-11-20T10:16:00.000Z'),
  };
  return { deps, invoices, documents, published, setCrash: (s?: typeof crashAfter) => (crashAfter = s) };
}

describe('issueInvoiceFor (X1: one invoice per payment)', () => {
  it('issues an invoice: record, document under invoices/, InvoiceIssued v1 with a stable key', async () => {
    const f = fakes();
    const payment = samplePaymentCaptured({}, 'corr-9');
    const { outcome, invoice } = await issueInvoiceFor(f.deps)(payment);
    expect(outcome).toBe('issued');
    expect(invoice.invoiceId).toBe(invoiceIdFor(payment.data.paymentId));
    expect(f.invoices.get(payment.data.paymentId)!.status).toBe('ISSUED');
    expect([...f.documents.keys()]).toEqual([`invoices/2026/${invoice.invoiceId}.json`]);
    expect(JSON.parse(f.documents.get(invoice.documentKey)!)).toMatchObject({
      total: payment.data.amount,
      currency: 'EUR',
    });
    const issued = parseEnvelope(JSON.parse(JSON.stringify(f.published[0])), [invoiceIssuedV1]).event;
    expect(issued.metadata).toMatchObject({
      idempotencyKey: `invoice:${invoice.invoiceId}`,
      correlationId: 'corr-9',
    });
    expect(issued.data.document).toEqual({ bucket: f.deps.bucket, key: invoice.documentKey });
  });

  it('a duplicate record changes nothing: no second document, no second InvoiceIssued', async () => {
    const f = fakes();
    const payment = samplePaymentCaptured();
    await issueInvoiceFor(f.deps)(payment);
    const again = await issueInvoiceFor({ ...f.deps, now: () => new Date('2026-12-01T00:00:00.000Z') })(
      payment,
    );
    expect(again.outcome).toBe('duplicate');
    expect(f.documents.size).toBe(1);
    expect(f.published).toHaveLength(1);
  });

  it.each(['claim', 'store'] as const)(
    'resumes after a crash after "%s" with the stored invoice, never a second one',
    async (step) => {
      const f = fakes(step);
      const payment = samplePaymentCaptured();
      await expect(issueInvoiceFor(f.deps)(payment)).rejects.toThrow(`crash after ${step}`);
      f.setCrash(undefined);
      const later = { ...f.deps, now: () => new Date('2026-11-21T00:00:00.000Z') };
      const { outcome, invoice } = await issueInvoiceFor(later)(payment);
      expect(outcome).toBe('resumed');
      expect(invoice.issuedAt).toBe('2026-11-20T10:16:00.000Z'); // the first attempt's invoice
      expect(f.invoices.size).toBe(1);
      expect(f.documents.size).toBe(1);
      expect(f.published).toHaveLength(1);
    },
  );

  it('a crash between publish and mark can repeat InvoiceIssued, with the same idempotency key', async () => {
    const f = fakes('publish');
    const payment = samplePaymentCaptured();
    await expect(issueInvoiceFor(f.deps)(payment)).rejects.toThrow();
    f.setCrash(undefined);
    await issueInvoiceFor(f.deps)(payment);
    expect(f.published).toHaveLength(2);
    expect(new Set(f.published.map((p) => p.metadata.idempotencyKey)).size).toBe(1);
  });

  it('refuses a record that contradicts the invoice already issued for the payment (PermanentError)', async () => {
    const f = fakes();
    const payment = samplePaymentCaptured();
    await issueInvoiceFor(f.deps)(payment);
    const contradicting = samplePaymentCaptured({ ...payment.data, amount: payment.data.amount + 1 });
    await expect(issueInvoiceFor(f.deps)(contradicting)).rejects.toThrow(PermanentError);
  });

  it('renders the same bytes for the same invoice (rewrites are no-ops)', async () => {
    const f = fakes();
    const { invoice } = await issueInvoiceFor(f.deps)(samplePaymentCaptured());
    expect(renderInvoiceDocument(invoice)).toBe(renderInvoiceDocument({ ...invoice }));
  });
});
