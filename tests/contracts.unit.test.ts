/**
 * Contracts as data (docs/contracts.md):
 * - the committed OpenAPI documents and event JSON Schemas are what the zod schemas
 *   generate now (no file missing, stale or orphaned);
 * - every event sample (the one its producer's and consumers' tests share) passes both
 *   its zod schema and its generated JSON Schema, read back from docs/events/ with a
 *   2020-12 validator, so the published schema accepts what the platform really sends;
 * - the response schemas of the OpenAPI contracts accept what the handlers' view
 *   functions really return, and the published error body what errorResponse answers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '@order-platform/shared/errors';
import { messageContracts } from '@order-platform/shared/events/registry';
import { errorResponse } from '@order-platform/shared/http';
import { contractFiles, repoRoot } from '../scripts/contracts.mjs';
import { productViewSchema } from '../services/catalog/src/http/contract';
import { toView as productView } from '../services/catalog/src/domain/product';
import { toInvoiceView } from '../services/invoicing/src/domain/list-invoices';
import { invoiceViewSchema } from '../services/invoicing/src/http/contract';
import { newOrder, toView as orderView } from '../services/orders/src/domain/order';
import { orderViewSchema } from '../services/orders/src/http/contract';

describe('generated contract documents', () => {
  it('are current: regenerated in memory, they equal the committed files', async () => {
    const files = await contractFiles();
    for (const [path, text] of files) {
      const abs = join(repoRoot, path);
      expect(existsSync(abs), `${path} is missing: npm run docs:contracts`).toBe(true);
      expect(readFileSync(abs, 'utf8'), `${path} is stale: npm run docs:contracts`).toBe(text);
    }
    for (const dir of ['docs/openapi', 'docs/events'])
      for (const name of readdirSync(join(repoRoot, dir)))
        expect(files.has(`${dir}/${name}`), `${dir}/${name} has no contract`).toBe(true);
  });
});

describe('event samples against both schemas', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);

  it.each(messageContracts.map((m) => [m.name, m] as const))('%s', (name, m) => {
    // Through JSON: what a consumer reads is the wire form, not the producer's object.
    const sample: unknown = JSON.parse(JSON.stringify(m.sample()));
    const zod = m.schema.safeParse(sample);
    expect(zod.success, JSON.stringify(zod.error?.issues)).toBe(true);

    const published = JSON.parse(readFileSync(join(repoRoot, 'docs/events', `${name}.schema.json`), 'utf8'));
    const validate = ajv.compile(published);
    expect(validate(sample), ajv.errorsText(validate.errors)).toBe(true);

    // And the published schema is no rubber stamp: it refuses a sample without its data.
    expect(validate({ ...(sample as object), data: undefined })).toBe(false);
  });
});

describe('OpenAPI response schemas accept real views', () => {
  it('orders: toView of a new order', () => {
    const order = newOrder(
      { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999, kind: 'physical' }] },
      {
        orderId: 'ord_01JD0000000000000000000000',
        customerId: 'cus-1',
        correlationId: 'corr',
        customerEmail: 'buyer@example.com',
      },
      new Date('2026-11-22T10:00:00.000Z'),
    );
    const parsed = orderViewSchema.safeParse(orderView({ ...order, statusReason: 'x', paymentId: 'pay_1' }));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it('catalog: toView of a product', () => {
    const view = productView({
      sku: 'SKU-1',
      name: 'Mug',
      kind: 'physical',
      prices: { EUR: 1250 },
      active: true,
      version: 1,
      updatedAt: '2026-11-22T10:00:00.000Z',
    });
    const parsed = productViewSchema.safeParse(view);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it('invoicing: toInvoiceView of an issued invoice', () => {
    const view = toInvoiceView(
      {
        invoiceId: 'inv_0123456789abcdef01234567',
        paymentId: 'pay_1',
        orderId: 'ord_01JD0000000000000000000000',
        customerId: 'cus-1',
        amount: 3998,
        currency: 'EUR',
        issuedAt: '2026-11-22T10:00:00.000Z',
        documentKey: 'invoices/2026/inv_0123456789abcdef01234567.json',
        status: 'ISSUED',
      },
      'op-invoicing-dev-bucket',
    );
    const parsed = invoiceViewSchema.safeParse(view);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });
});

describe('the published error body', () => {
  const ajv = new Ajv2020({ strict: false });
  const orders = JSON.parse(readFileSync(join(repoRoot, 'docs/openapi/orders.json'), 'utf8')) as {
    components: { schemas: Record<string, object> };
  };
  const errorSchema = ajv.compile(orders.components.schemas.Error!);

  it.each([
    [
      'a 400 with details',
      new ValidationError('Invalid request body', [{ path: 'lines', message: 'too few' }]),
    ],
    ['a 409', new ConflictError('Order ord_1 is CONFIRMED and can no longer be cancelled')],
    ['a 500', new Error('boom')],
  ])('is what errorResponse answers: %s', (_what, error) => {
    const body: unknown = JSON.parse(errorResponse(error).body);
    expect(errorSchema(body), ajv.errorsText(errorSchema.errors)).toBe(true);
  });

  it("is open: the dashboard's 503 carries its parts beside the error", () => {
    const body = { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'none' }, customerId: 'c-1', parts: {} };
    expect(errorSchema(body)).toBe(true);
    expect(errorSchema({ message: 'Unauthorized' })).toBe(false);
  });
});
