/**
 * P06/P07/P09 + X10: the orders HTTP handlers against moto's DynamoDB, with the table
 * created from the packaged CloudFormation, pricing lines through the catalog's real
 * priceLines function (Lambda Invoke).
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableFromTemplate, lambdaContext } from '../../../test-support/src/aws';
import { httpEvent } from '../../../test-support/src/http-events';
import { startCatalog, type CatalogFixture } from './catalog-fixture';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let tableName: string;
let createOrder: Handler;
let getOrder: Handler;
let listOrders: Handler;
let cancelOrder: Handler;
let catalog: CatalogFixture;

const call = (h: Handler, e: APIGatewayProxyEvent) => h(e, lambdaContext() as unknown as Context);
const body = (r: APIGatewayProxyResult) => JSON.parse(r.body);
const validOrder = { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2 }] };
const place = (payload: unknown, init: Parameters<typeof httpEvent>[0] = {}) =>
  call(createOrder, httpEvent({ method: 'POST', path: '/orders', body: payload, ...init }));

async function itemCount(): Promise<number> {
  const out = await new DynamoDBClient({}).send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return out.Count ?? 0;
}

beforeAll(async () => {
  catalog = await startCatalog();
  await catalog.sell([
    { sku: 'SKU-1', eur: 1250, usd: 1350 },
    { sku: 'SKU-EBOOK', eur: 900, kind: 'digital' },
    { sku: 'SKU-OLD', eur: 500, active: false },
  ]);
  tableName = await createTableFromTemplate('services/orders', 'OrdersTable');
  process.env.TABLE_NAME = tableName;
  createOrder = (await import('../src/handlers/create-order')).handler as unknown as Handler;
  getOrder = (await import('../src/handlers/get-order')).handler as unknown as Handler;
  listOrders = (await import('../src/handlers/list-customer-orders')).handler as unknown as Handler;
  cancelOrder = (await import('../src/handlers/cancel-order')).handler as unknown as Handler;
});

afterAll(async () => {
  await catalog?.stop();
});

describe('create then read an order', () => {
  it('stores a valid order and returns it to its owner', async () => {
    const created = await place(validOrder);
    expect(created.statusCode).toBe(201);
    const order = body(created);
    expect(order).toMatchObject({ customerId: 'c-test', status: 'PLACED', total: 2500, currency: 'EUR' });
    expect(order.lines[0]).toEqual({ sku: 'SKU-1', quantity: 2, unitPrice: 1250, kind: 'physical' });
    expect(created.headers?.location).toBe(`/orders/${order.orderId}`);
    expect(created.headers?.['x-correlation-id']).toBeTruthy();

    const read = await call(
      getOrder,
      httpEvent({ path: `/orders/${order.orderId}`, pathParameters: { orderId: order.orderId } }),
    );
    expect(read.statusCode).toBe(200);
    expect(body(read)).toEqual(order);
  });

  it("hides another customer's order (404, not 403: existence is not leaked)", async () => {
    const order = body(await place(validOrder));
    const read = await call(
      getOrder,
      httpEvent({ pathParameters: { orderId: order.orderId }, principal: { customerId: 'c-other' } }),
    );
    expect(read.statusCode).toBe(404);
  });

  it('answers 404 for an order that does not exist', async () => {
    const read = await call(
      getOrder,
      httpEvent({ pathParameters: { orderId: 'ord_01JABCDEFGHJKMNPQRSTVWXYZ0' } }),
    );
    expect(read.statusCode).toBe(404);
    expect(body(read).error.code).toBe('NOT_FOUND');
  });
});

describe('bad input gets a 400 that names the problem and writes nothing', () => {
  const cases: [string, Parameters<typeof httpEvent>[0], RegExp][] = [
    ['malformed JSON', { rawBody: '{"currency": "EUR", "lines": [' }, /Malformed JSON/],
    ['empty body', { rawBody: '' }, /body is required/],
    ['missing lines', { body: { currency: 'EUR' } }, /lines/],
    ['unknown top-level field', { body: { ...validOrder, discount: 50 } }, /discount/],
    [
      'unknown line field',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 1, colour: 'red' }] } },
      /colour/,
    ],
    [
      'quantity as a string',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: '2' }] } },
      /lines\.0\.quantity/,
    ],
    [
      'zero quantity',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 0 }] } },
      /lines\.0\.quantity/,
    ],
    [
      'negative quantity',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: -3 }] } },
      /lines\.0\.quantity/,
    ],
    [
      'a price set by the client',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }] } },
      /lines\.0\.unitPrice.*prices come from the catalog/,
    ],
    [
      'a kind set by the client',
      { body: { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 1, kind: 'digital' }] } },
      /lines\.0\.kind.*comes from the catalog/,
    ],
    ['unknown currency', { body: { currency: 'XXX', lines: validOrder.lines } }, /currency/],
    ['invalid SKU', { body: { currency: 'EUR', lines: [{ sku: 'not a sku', quantity: 1 }] } }, /sku/],
    [
      'duplicate SKU',
      { body: { currency: 'EUR', lines: [validOrder.lines[0], validOrder.lines[0]] } },
      /only once/,
    ],
    ['no lines', { body: { currency: 'EUR', lines: [] } }, /at least one line/],
    ['array body', { body: [validOrder] }, /root/],
    [
      'bad Idempotency-Key',
      { body: validOrder, headers: { 'Idempotency-Key': 'has spaces in it' } },
      /Idempotency-Key/,
    ],
  ];

  it.each(cases)('%s', async (_name, init, reason) => {
    const before = await itemCount();
    const res = await call(createOrder, httpEvent({ method: 'POST', path: '/orders', ...init }));
    expect(res.statusCode).toBe(400);
    const err = body(res).error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(err)).toMatch(reason);
    expect(await itemCount()).toBe(before);
  });

  it.each([
    [
      'an unknown SKU',
      {
        currency: 'EUR',
        lines: [
          { sku: 'SKU-1', quantity: 1 },
          { sku: 'SKU-NOPE', quantity: 1 },
        ],
      },
      /Unknown SKU: SKU-NOPE/,
    ],
    [
      'a product no longer sold',
      { currency: 'EUR', lines: [{ sku: 'SKU-OLD', quantity: 1 }] },
      /No longer sold: SKU-OLD/,
    ],
    [
      'a currency the product is not sold in',
      { currency: 'USD', lines: [{ sku: 'SKU-EBOOK', quantity: 1 }] },
      /Not sold in this currency: SKU-EBOOK/,
    ],
  ])('%s is a 422 naming the SKU, and nothing is written', async (_name, payload, reason) => {
    const before = await itemCount();
    const res = await place(payload);
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(body(res).error)).toMatch(reason);
    expect(await itemCount()).toBe(before);
  });

  it('keeps the prices it was placed at when the catalog changes later', async () => {
    const order = body(await place({ currency: 'EUR', lines: [{ sku: 'SKU-EBOOK', quantity: 2 }] }));
    expect(order.lines).toEqual([{ sku: 'SKU-EBOOK', quantity: 2, unitPrice: 900, kind: 'digital' }]);
    await catalog.sell([{ sku: 'SKU-EBOOK', eur: 1900, kind: 'digital' }]);
    const read = await call(getOrder, httpEvent({ pathParameters: { orderId: order.orderId } }));
    expect(body(read)).toMatchObject({ total: 1800, lines: [{ unitPrice: 900 }] });
  });

  it('rejects an oversized body with 413 and a non-JSON body with 415', async () => {
    const before = await itemCount();
    const big = await place(undefined, {
      rawBody: JSON.stringify({ ...validOrder, pad: 'x'.repeat(20_000) }),
    });
    expect(big.statusCode).toBe(413);
    const xml = await place(undefined, {
      rawBody: '<order/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.statusCode).toBe(415);
    expect(await itemCount()).toBe(before);
  });

  it('rejects invalid ids in paths', async () => {
    const bad = await call(getOrder, httpEvent({ pathParameters: { orderId: '../../etc' } }));
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.message).toMatch(/orderId/);
    const badCustomer = await call(listOrders, httpEvent({ pathParameters: { customerId: 'x' } }));
    expect(badCustomer.statusCode).toBe(400);
    const badCancel = await call(
      cancelOrder,
      httpEvent({ method: 'POST', pathParameters: { orderId: 'nope' } }),
    );
    expect(badCancel.statusCode).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first response for a repeat and creates nothing', async () => {
    const key = `key-${Date.now()}`;
    const first = await place(validOrder, { headers: { 'Idempotency-Key': key } });
    const countAfterFirst = await itemCount();
    const again = await place(validOrder, { headers: { 'Idempotency-Key': key } });
    expect(again.statusCode).toBe(201);
    expect(body(again)).toEqual(body(first));
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(await itemCount()).toBe(countAfterFirst);
  });

  it('refuses the same key with a different body (422) and writes nothing', async () => {
    const key = `key-diff-${Date.now()}`;
    await place(validOrder, { headers: { 'Idempotency-Key': key } });
    const before = await itemCount();
    const other = await place({ ...validOrder, currency: 'USD' }, { headers: { 'Idempotency-Key': key } });
    expect(other.statusCode).toBe(422);
    expect(await itemCount()).toBe(before);
  });

  it('scopes keys per customer', async () => {
    const key = `shared-key-${Date.now()}`;
    const a = body(await place(validOrder, { headers: { 'Idempotency-Key': key } }));
    const b = body(
      await place(validOrder, {
        headers: { 'Idempotency-Key': key },
        principal: { customerId: 'c-someone-else' },
      }),
    );
    expect(a.orderId).not.toBe(b.orderId);
  });

  it('concurrent repeats of one key create exactly one order', async () => {
    const key = `race-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => place(validOrder, { headers: { 'Idempotency-Key': key } })),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    expect(new Set(results.map((r) => body(r).orderId)).size).toBe(1);
  });
});

describe('cancel', () => {
  it('cancels once; the second cancel is a 409', async () => {
    const order = body(await place(validOrder));
    const cancel = () =>
      call(
        cancelOrder,
        httpEvent({
          method: 'POST',
          pathParameters: { orderId: order.orderId },
          body: { reason: 'changed my mind' },
        }),
      );
    const first = await cancel();
    expect(first.statusCode).toBe(200);
    expect(body(first)).toMatchObject({ status: 'CANCELLED', statusReason: 'changed my mind' });
    const second = await cancel();
    expect(second.statusCode).toBe(409);
    expect(body(second).error.message).toMatch(/CANCELLED/);
  });

  it("cannot cancel another customer's order", async () => {
    const order = body(await place(validOrder));
    const res = await call(
      cancelOrder,
      httpEvent({
        method: 'POST',
        pathParameters: { orderId: order.orderId },
        principal: { customerId: 'c-intruder' },
      }),
    );
    expect(res.statusCode).toBe(404);
    const read = await call(getOrder, httpEvent({ pathParameters: { orderId: order.orderId } }));
    expect(body(read).status).toBe('PLACED');
  });
});

describe("list a customer's orders", () => {
  it('pages through newest first with a cursor', async () => {
    const customer = { customerId: `c-list-${Date.now()}` };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(body(await place(validOrder, { principal: customer })).orderId);
    const page = (query: Record<string, string>) =>
      call(
        listOrders,
        httpEvent({ pathParameters: { customerId: customer.customerId }, query, principal: customer }),
      );
    const first = body(await page({ limit: '2' }));
    expect(first.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[4], ids[3]]);
    const second = body(await page({ limit: '2', cursor: first.nextCursor }));
    expect(second.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1]]);
    const third = body(await page({ limit: '2', cursor: second.nextCursor }));
    expect(third.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
  });

  it('rejects bad paging parameters and foreign cursors', async () => {
    const me = { customerId: 'c-test' };
    const list = (query: Record<string, string>) =>
      call(listOrders, httpEvent({ pathParameters: { customerId: me.customerId }, query, principal: me }));
    expect((await list({ limit: '0' })).statusCode).toBe(400);
    expect((await list({ limit: 'ten' })).statusCode).toBe(400);
    expect((await list({ cursor: 'garbage' })).statusCode).toBe(400);
    const foreign = Buffer.from(
      JSON.stringify({ PK: 'a', SK: 'b', GSI1PK: 'CUSTOMER#c-other', GSI1SK: 'x' }),
    ).toString('base64url');
    expect((await list({ cursor: foreign })).statusCode).toBe(400);
    // The right encoding and customer, not the shape the list gives out: DynamoDB would
    // refuse these as start keys (a 500), or they would start outside the caller's orders.
    const mine = (key: Record<string, unknown>) =>
      Buffer.from(
        JSON.stringify({
          PK: 'ORDER#ord_01JAAAAAAAAAAAAAAAAAAAAAAA',
          SK: 'ORDER',
          GSI1PK: 'CUSTOMER#c-test',
          GSI1SK: '2026-01-01T00:00:00.000Z#ord_01JAAAAAAAAAAAAAAAAAAAAAAA',
          ...key,
        }),
      ).toString('base64url');
    expect((await list({ cursor: mine({}) })).statusCode).toBe(200);
    for (const tampered of [
      { evil: '1' },
      { PK: '', SK: '' },
      { SK: 'IDEMPOTENCY' },
      { GSI1SK: '2026-01-01T00:00:00.000Z#ord_01JBBBBBBBBBBBBBBBBBBBBBBB' },
      { PK: { S: 'ORDER#ord_01JAAAAAAAAAAAAAAAAAAAAAAA' } },
    ])
      expect((await list({ cursor: mine(tampered) })).statusCode, JSON.stringify(tampered)).toBe(400);
    expect((await list({ sort: 'asc' })).statusCode).toBe(400);
  });

  it("forbids listing another customer's orders", async () => {
    const res = await call(
      listOrders,
      httpEvent({ pathParameters: { customerId: 'c-victim' }, principal: { customerId: 'c-test' } }),
    );
    expect(res.statusCode).toBe(403);
  });
});
