/**
 * The read side against moto: the public API (GET /products with kind filter, limit and
 * an opaque cursor; GET /products/{sku}; 4xx naming the problem) and the internal API for
 * orders (P09): priceLines through the real Lambda SDK and the typed client, served by
 * test-support's Lambda Invoke server.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent } from '@order-platform/test-support/http-events';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '@order-platform/test-support/lambda-invoke-server';
import {
  CatalogValidationError,
  CurrencyNotOfferedError,
  ProductInactiveError,
  UnknownProductError,
  buildCatalogClient,
  type CatalogClient,
} from '../src/client/catalog-client';
import { HEADER, catalogWorld, ctx, importFile, type CatalogWorld } from './world';

let w: CatalogWorld;
let server: LambdaInvokeServer;
let catalog: CatalogClient;

beforeAll(async () => {
  w = await catalogWorld();
  const rows = [
    'API-MUG,Mug,physical,1250,1350,',
    'API-POSTER,Poster,physical,900,,',
    'API-EBOOK,Guide,digital,500,550,',
    'API-GIFT,Gift card,giftcard,5000,5500,',
    ...Array.from({ length: 7 }, (_, i) => `API-BOOK-${i},Book ${i},digital,${100 + i},,`),
  ];
  await importFile(w, 'imports/delta/api.csv', `${HEADER}\n${rows.join('\n')}\n`);
  // API-OLD: imported, then gone from a full catalog naming everything else.
  await importFile(w, 'imports/delta/old.csv', `${HEADER}\nAPI-OLD,Old,physical,100,,\n`);
  await importFile(w, 'imports/full/api.csv', `${HEADER}\n${rows.join('\n')}\n`);

  server = await startLambdaInvokeServer({ 'op-catalog-test-priceLines': w.handlers.priceLines as never });
  process.env.AWS_ENDPOINT_URL_LAMBDA = server.url;
  catalog = buildCatalogClient(
    new LambdaClient({}),
    { priceLines: 'op-catalog-test-priceLines' },
    { timeoutMs: 3_000 },
  );
});

afterAll(async () => {
  await server?.stop();
});

const get = async (path: string, init: Parameters<typeof httpEvent>[0] = {}) => {
  const handler = path.startsWith('/products/') ? w.handlers.getProduct : w.handlers.listProducts;
  const r = (await handler(httpEvent({ path, principal: null, ...init }), ctx())) as APIGatewayProxyResult;
  return { status: r.statusCode, headers: r.headers ?? {}, body: JSON.parse(r.body) };
};

describe('public read API', () => {
  it('returns one product by SKU, inactive ones included, with a cache header', async () => {
    const mug = await get('/products/API-MUG', { pathParameters: { sku: 'API-MUG' } });
    expect(mug.status).toBe(200);
    expect(mug.body).toEqual({
      sku: 'API-MUG',
      name: 'Mug',
      kind: 'physical',
      prices: { EUR: 1250, USD: 1350 },
      active: true,
      version: 1,
      updatedAt: expect.any(String),
    });
    expect(mug.headers['cache-control']).toBe('public, max-age=60');
    const old = await get('/products/API-OLD', { pathParameters: { sku: 'API-OLD' } });
    expect(old.body).toMatchObject({ active: false, version: 2 });
  });

  it('answers 404 for an unknown SKU and 400 naming the problem for a malformed one', async () => {
    const missing = await get('/products/API-NONE', { pathParameters: { sku: 'API-NONE' } });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const bad = await get('/products/mug', { pathParameters: { sku: 'mug' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].message).toMatch(/SKU/);
  });

  it('pages through the active products of a kind with an opaque cursor, in SKU order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get('/products', {
        query: { kind: 'digital', limit: '3', ...(cursor ? { cursor } : {}) },
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((p: { sku: string }) => p.sku));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([
      'API-BOOK-0',
      'API-BOOK-1',
      'API-BOOK-2',
      'API-BOOK-3',
      'API-BOOK-4',
      'API-BOOK-5',
      'API-BOOK-6',
      'API-EBOOK',
    ]);
    const all = await get('/products', { query: { limit: '100' } });
    expect(all.body.items.map((p: { sku: string }) => p.sku)).toHaveLength(11);
    expect(all.body.items.map((p: { sku: string }) => p.sku)).not.toContain('API-OLD');
  });

  it.each([
    [{ kind: 'furniture' }, 'kind'],
    [{ limit: '0' }, 'limit'],
    [{ limit: 'lots' }, 'limit'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ colour: 'red' }, 'colour'],
    // Cursors of the right encoding but not of the shape the list gives out.
    [{ cursor: cursorOf({ activeKind: 'physical', sku: '' }) }, 'cursor'],
    [{ cursor: cursorOf({ activeKind: 'physical', sku: 'API-MUG', evil: '1' }) }, 'cursor'],
    [{ cursor: cursorOf({ activeKind: 'physical', sku: "' OR 1=1" }) }, 'cursor'],
    [{ cursor: cursorOf({ activeKind: 'physical', sku: 5 }) }, 'cursor'],
  ])('refuses the query %j with a 400 naming %s', async (query, field) => {
    const r = await get('/products', { query });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error)).toContain(field);
  });

  it('refuses a cursor of another filter', async () => {
    const page = await get('/products', { query: { kind: 'digital', limit: '2' } });
    const other = await get('/products', { query: { kind: 'physical', cursor: page.body.nextCursor } });
    expect(other.status).toBe(400);
  });
});

function cursorOf(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

describe('priceLines (internal API for orders) through Lambda Invoke and the typed client', () => {
  it('prices the lines in the currency asked', async () => {
    expect(await catalog.priceLines('USD', ['API-MUG', 'API-EBOOK'])).toEqual({
      currency: 'USD',
      lines: [
        { sku: 'API-MUG', name: 'Mug', kind: 'physical', unitPrice: 1350, active: true },
        { sku: 'API-EBOOK', name: 'Guide', kind: 'digital', unitPrice: 550, active: true },
      ],
    });
  });

  it('answers typed errors naming the SKUs', async () => {
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const unknown = await errorOf(catalog.priceLines('EUR', ['API-MUG', 'API-NOPE']));
    expect(unknown).toBeInstanceOf(UnknownProductError);
    expect(unknown).toMatchObject({ skus: ['API-NOPE'], retryable: false });
    expect(await errorOf(catalog.priceLines('EUR', ['API-OLD']))).toMatchObject({
      name: 'ProductInactiveError',
      skus: ['API-OLD'],
    });
    expect(await errorOf(catalog.priceLines('EUR', ['API-OLD']))).toBeInstanceOf(ProductInactiveError);
    const unpriced = await errorOf(catalog.priceLines('USD', ['API-MUG', 'API-POSTER']));
    expect(unpriced).toBeInstanceOf(CurrencyNotOfferedError);
    expect(unpriced).toMatchObject({ skus: ['API-POSTER'] });
    expect(await errorOf(catalog.priceLines('JPY' as never, []))).toBeInstanceOf(CatalogValidationError);
  });
});
