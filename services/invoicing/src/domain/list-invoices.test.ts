import { describe, expect, it, vi } from 'vitest';
import { ForbiddenError } from '@order-platform/shared/errors';
import { listInvoicesFor } from './list-invoices';
import type { InvoiceSummary, ListCustomerInvoices } from './ports';

const BUCKET = 'op-invoicing-dev-123456789012-us-east-1';
const summary: InvoiceSummary = {
  invoiceId: 'inv_0123456789abcdef01234567',
  paymentId: 'pay_1',
  orderId: 'ord_01JD0000000000000000000000',
  customerId: 'cus_ada',
  amount: 1200,
  currency: 'EUR',
  issuedAt: '2026-11-20T10:16:00.000Z',
  documentKey: 'invoices/2026/inv_0123456789abcdef01234567.json',
  status: 'ISSUED',
};

describe('listInvoicesFor', () => {
  it('answers the view (ids, money, date, document location) and passes the page through', async () => {
    const list: ListCustomerInvoices = vi.fn(async () => ({ invoices: [summary], nextCursor: 'c2' }));
    const page = await listInvoicesFor(list, BUCKET)(
      'cus_ada',
      { customerId: 'cus_ada', role: 'customer' },
      {
        limit: 5,
        cursor: 'c1',
      },
    );
    expect(list).toHaveBeenCalledWith('cus_ada', { limit: 5, cursor: 'c1' });
    expect(page).toEqual({
      customerId: 'cus_ada',
      invoices: [
        {
          invoiceId: summary.invoiceId,
          orderId: summary.orderId,
          paymentId: 'pay_1',
          amount: 1200,
          currency: 'EUR',
          issuedAt: summary.issuedAt,
          document: { bucket: BUCKET, key: summary.documentKey },
        },
      ],
      nextCursor: 'c2',
    });
  });

  it("refuses another customer's invoices (403) without reading them; admins may", async () => {
    const list: ListCustomerInvoices = vi.fn(async () => ({ invoices: [] }));
    await expect(
      listInvoicesFor(list, BUCKET)('cus_bob', { customerId: 'cus_ada', role: 'customer' }, { limit: 5 }),
    ).rejects.toThrow(ForbiddenError);
    expect(list).not.toHaveBeenCalled();
    await expect(
      listInvoicesFor(list, BUCKET)('cus_bob', { customerId: 'ops', role: 'admin' }, { limit: 5 }),
    ).resolves.toEqual({ customerId: 'cus_bob', invoices: [] });
  });
});
