/**
 * Order to cash over the running platform: a payment the provider confirms with the
 * customer it echoes from the charge goes through the payments ledger writer's outbox
 * onto the billing topic, and from there through every billing service:
 *
 *   webhook → ledger + outbox → PaymentCaptured (billing topic) → invoicing: invoice,
 *   document in S3 under invoices/ → S3 notification → billing-notifier announce →
 *   billing-ops topic → accounting documents; receipts: the receipt email (SES);
 *   accounting: PaymentCaptured, InvoiceIssued and InvoiceDocumentStored exported;
 *   the billing API lists the invoice and the dashboard's billing part is ok.
 *
 * The webhook is signed with the webhook stack's own secret and posted to its public
 * route, as the provider does (the simulated provider echoes no customer yet). Then a
 * refund of part of it: RefundIssued, its receipt and its export.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { PlatformClient, eventually } from '../src/client';

const client = new PlatformClient(JSON.parse(inject('endpoints')));
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const orderId = () =>
  `ord_${Array.from({ length: 26 }, () => CROCKFORD[Math.floor(Math.random() * 32)]).join('')}`;

describe(`order to cash (${client.endpoints.target})`, () => {
  it('a captured payment echoing the customer yields an invoice with its document, a receipt and the accounting exports', async () => {
    // Prepare
    const customerId = `c-o2c-${randomUUID().slice(0, 8)}`;
    const email = `${customerId}@example.com`;
    const token = await client.token(customerId);
    const order = orderId();
    const paymentId = `pay_o2c_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const correlationId = `corr-o2c-${randomUUID()}`;
    const webhook = (type: string, extra: Record<string, unknown> = {}) => ({
      id: `evt_o2c_${randomUUID().replace(/-/g, '')}`,
      type,
      created: Math.floor(Date.now() / 1000),
      data: {
        paymentId,
        orderId: order,
        amount: 2_500,
        currency: 'EUR',
        customerId,
        customerEmail: email,
        metadata: { correlationId },
        ...extra,
      },
    });

    // Act: the provider confirms the capture (twice: it retries)
    const captured = webhook('payment.succeeded');
    expect((await client.providerWebhook(captured)).status).toBe(202);
    expect((await client.providerWebhook(captured)).status).toBe(202);
    const trail = await client.waitForBilling(token, customerId, order, { email, timeoutMs: 120_000 });

    // Assess: one invoice, its document, the receipt, the exports, all on the order's thread
    expect(trail.invoice).toMatchObject({ orderId: order, paymentId, amount: 2_500, currency: 'EUR' });
    expect(trail.invoice.document.key).toMatch(/^invoices\//);
    expect(trail.document).toMatchObject({
      invoiceId: trail.invoice.invoiceId,
      paymentId,
      total: 2_500,
      billTo: { customerId, email },
    });
    if (client.endpoints.target === 'local') {
      expect(trail.receipts).toHaveLength(1);
      expect(trail.receipts[0]!.body).toContain('25.00 EUR');
    }
    const byType = Object.fromEntries(trail.exports.map((e) => [e.recordType, e]));
    expect(byType.PaymentCaptured).toMatchObject({
      idempotencyKey: `payment:${paymentId}:captured`,
      correlationId,
    });
    expect(byType.InvoiceIssued).toMatchObject({
      correlationId,
      data: { invoiceId: trail.invoice.invoiceId },
    });
    expect(byType.InvoiceDocumentStored!.data).toMatchObject({ document: trail.invoice.document });
    const listed = await client.invoices(token, customerId);
    expect(listed.body.invoices.filter((i) => i.orderId === order)).toHaveLength(1);

    // The dashboard's billing part is the billing API's answer
    const dashboard = await client.dashboard(token, customerId);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatchObject({
      parts: { billing: { status: 'ok', data: { invoices: [{ invoiceId: trail.invoice.invoiceId }] } } },
    });

    // A refund of part of it: RefundIssued, exported, and (locally) its receipt
    const refundId = `re_o2c_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    expect(
      (
        await client.providerWebhook(
          webhook('refund.succeeded', { refundId, amount: 1_000, reason: 'one mug broken' }),
        )
      ).status,
    ).toBe(202);
    const refund = await eventually(
      async () =>
        (await client.accountingExports([refundId])).find((e) => e.recordType === 'RefundIssued') ??
        undefined,
      { timeoutMs: 60_000, what: `the RefundIssued export of ${refundId}` },
    );
    expect(refund).toMatchObject({
      idempotencyKey: `refund:${refundId}`,
      data: { amount: 1_000, reason: 'one mug broken', orderId: order },
    });
    if (client.endpoints.target === 'local') {
      const mail = await eventually(
        async () => (await client.emailsTo(email)).find((m) => m.subject === `Refund for order ${order}`),
        { timeoutMs: 60_000, what: 'the refund receipt' },
      );
      expect(mail.body).toContain('10.00 EUR');
    }
  });

  it('the billing API keeps customers to their own invoices and names a bad parameter', async () => {
    const me = `c-o2c-${randomUUID().slice(0, 8)}`;
    const token = await client.token(me);
    expect((await client.invoices(token, me)).body).toEqual({ customerId: me, invoices: [] });
    expect((await client.invoices(token, 'c-someone-else')).status).toBe(403);
    const bad = await client.invoices(token, me, { limit: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('limit');
  });
});
