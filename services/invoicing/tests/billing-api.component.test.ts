/**
 * The billing API against moto DynamoDB: GET /customers/{customerId}/invoices through the
 * real handler, on a table created from the packaged template (its customer index
 * included), filled by the real issuing adapters (claim, then mark ISSUED).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { createTableFromTemplate, lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { httpEvent } from '../../../test-support/src/http-events';
import { draftInvoice } from '../src/domain/invoice';
import { buildClaimInvoice, buildMarkInvoiceIssued, documentClient } from '../src/adapters/invoices-table';

type Http = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
interface Page {
  customerId: string;
  invoices: Array<Record<string, unknown> & { invoiceId: string; issuedAt: string }>;
  nextCursor?: string;
}

const BUCKET = 'op-invoicing-dev-123456789012-us-east-1';
const ada = uniqueName('cus_ada').replace(/-/g, '_');
const bob = uniqueName('cus_bob').replace(/-/g, '_');
let handler: Http;
let adaInvoices: { invoiceId: string; issuedAt: string; paymentId: string; orderId: string }[];
let pendingInvoiceId: string;

beforeAll(async () => {
  const table = await createTableFromTemplate('services/invoicing', 'InvoicesTable');
  const doc = documentClient(new DynamoDBClient({}));
  const claim = buildClaimInvoice(doc, table);
  const mark = buildMarkInvoiceIssued(doc, table);
  const issue = async (customerId: string, at: string, status: 'ISSUED' | 'CREATED' = 'ISSUED') => {
    const payment = samplePaymentCaptured({ customerId });
    const invoice = draftInvoice(payment.data, 'corr-api', new Date(at));
    await claim(invoice);
    if (status === 'ISSUED') await mark(invoice.paymentId);
    return invoice;
  };
  adaInvoices = [];
  for (let day = 1; day <= 5; day++) adaInvoices.push(await issue(ada, `2026-11-0${day}T10:00:00.000Z`));
  adaInvoices.reverse(); // newest first
  pendingInvoiceId = (await issue(ada, '2026-11-09T10:00:00.000Z', 'CREATED')).invoiceId;
  await issue(bob, '2026-11-03T12:00:00.000Z');

  Object.assign(process.env, { INVOICES_TABLE_NAME: table, INVOICES_BUCKET_NAME: BUCKET });
  handler = (await import('../src/handlers/list-customer-invoices')).handler as unknown as Http;
});

const get = async (
  customerId: string,
  query: Record<string, string> = {},
  principal: { customerId: string; role?: 'admin' | 'customer' } = { customerId },
) => {
  const res = await handler(
    httpEvent({
      path: `/customers/${customerId}/invoices`,
      pathParameters: { customerId },
      query,
      principal,
    }),
    lambdaContext() as unknown as Context,
  );
  return { status: res.statusCode, body: JSON.parse(res.body) as Page & { error?: Record<string, unknown> } };
};

describe('GET /customers/{customerId}/invoices', () => {
  it("answers the customer's issued invoices, newest first, with where each document lives", async () => {
    const { status, body } = await get(ada);

    expect(status).toBe(200);
    expect(body.customerId).toBe(ada);
    expect(body.invoices.map((i) => i.invoiceId)).toEqual(adaInvoices.map((i) => i.invoiceId));
    expect(body.invoices.map((i) => i.invoiceId)).not.toContain(pendingInvoiceId);
    const [newest] = adaInvoices;
    expect(body.invoices[0]).toEqual({
      invoiceId: newest!.invoiceId,
      orderId: newest!.orderId,
      paymentId: newest!.paymentId,
      amount: 4_990,
      currency: 'EUR',
      issuedAt: '2026-11-05T10:00:00.000Z',
      document: { bucket: BUCKET, key: `invoices/2026/${newest!.invoiceId}.json` },
    });
    expect(JSON.stringify(body)).not.toContain('@example.com');
    expect(body.nextCursor).toBeUndefined();
  });

  it('pages with limit and an opaque cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await get(ada, { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(status).toBe(200);
      expect(body.invoices.length).toBeLessThanOrEqual(2);
      seen.push(...body.invoices.map((i) => i.invoiceId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(seen).toEqual(adaInvoices.map((i) => i.invoiceId));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("keeps a customer out of someone else's invoices (403); an admin may read anyone's", async () => {
    const foreign = await get(bob, {}, { customerId: ada });
    const admin = await get(bob, {}, { customerId: 'ops', role: 'admin' });
    const nobody = await get('cus_never_bought', {}, { customerId: 'ops', role: 'admin' });

    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(admin.status).toBe(200);
    expect(admin.body.invoices).toHaveLength(1);
    expect(nobody).toMatchObject({ status: 200, body: { invoices: [] } });
  });

  it('answers 400 naming the bad parameter', async () => {
    const { body: first } = await get(ada, { limit: '1' });
    const cases: [Record<string, string>, string][] = [
      [{ limit: '0' }, 'limit'],
      [{ limit: 'many' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ page: '2' }, 'page'],
      // The right encoding, not the shape the list gives out.
      [{ cursor: cursorOf({ paymentId: '', customerId: ada, issuedAt: '' }) }, 'cursor'],
      [
        { cursor: cursorOf({ paymentId: 'p'.repeat(1500), customerId: ada, issuedAt: '2026-01-01' }) },
        'cursor',
      ],
      [{ cursor: cursorOf({ paymentId: 'pay_1', customerId: ada, issuedAt: 'yesterday' }) }, 'cursor'],
    ];
    for (const [query, name] of cases) {
      const { status, body } = await get(ada, query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(JSON.stringify(body.error), JSON.stringify(query)).toContain(name);
    }
    // A real cursor, but from another customer's listing.
    const stolen = await get(bob, { cursor: first.nextCursor! }, { customerId: 'ops', role: 'admin' });
    expect(stolen.status).toBe(400);
    expect(JSON.stringify(stolen.body.error)).toContain('cursor');
    const badId = await get('no/slash');
    expect(badId.status).toBe(400);
    expect(JSON.stringify(badId.body.error)).toContain('customerId');
  });
});

function cursorOf(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}
