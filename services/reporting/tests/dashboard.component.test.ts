/**
 * P11: the dashboard aggregator against real local HTTP servers (orders, billing) and the
 * real summary (Postgres + Redis), with one dependency failing and one too slow. In the
 * deployed wiring, the billing part is the real billing API (invoicing's handler on a
 * moto table, behind a loopback stand-in for API Gateway + the gatekeeper).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { createTableFromTemplate, lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { draftInvoice } from '../../invoicing/src/domain/invoice';
import {
  buildClaimInvoice,
  buildMarkInvoiceIssued,
  documentClient,
} from '../../invoicing/src/adapters/invoices-table';
import { httpEvent } from '../../../test-support/src/http-events';
import { readThrough } from '../src/domain/cache';
import { rowFromChange } from '../src/domain/order-item';
import { customerSummaryReport } from '../src/domain/reports';
import { buildApplyRows, buildQueryCustomerSummary } from '../src/adapters/read-model';
import { buildRedisCacheStore, cacheTelemetry } from '../src/adapters/redis-cache';
import { freshReadModel, orderItem, type ReadModelDb } from './helpers';

type Http = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;
type Behaviour = 'ok' | 'fail' | 'slow';

interface FakeService {
  url: string;
  behaviour: Behaviour;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  server: Server;
}

/** A real HTTP server on loopback whose behaviour a test switches. */
async function fakeService(data: unknown): Promise<FakeService> {
  const svc = { behaviour: 'ok' as Behaviour, seen: [] as FakeService['seen'] } as FakeService;
  svc.server = createServer((req, res) => {
    svc.seen.push({ url: req.url ?? '', headers: req.headers });
    if (svc.behaviour === 'fail') {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"error":{"code":"INTERNAL","message":"stack trace here"}}');
    } else if (svc.behaviour === 'slow') {
      const timer = setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data)),
        10_000,
      );
      res.on('close', () => clearTimeout(timer));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    }
  });
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  svc.url = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}`;
  return svc;
}

const ordersPage = { orders: [{ orderId: 'ord_1', status: 'CONFIRMED' }] };
const invoices = { invoices: [{ invoiceId: 'inv_1', amount: 1000 }] };
let orders: FakeService;
let billing: FakeService;
let rm: ReadModelDb;
let redis: Redis;
let mod: typeof import('../src/handlers/customer-dashboard');
let summary: NonNullable<Parameters<typeof mod.makeHandler>[0]['summary']>;
let reportingApi: { url: string; server: Server; seen: string[] };
let billingApi: { url: string; server: Server; seen: string[] };
let erinsInvoice: ReturnType<typeof draftInvoice>;
const INVOICES_BUCKET = 'op-invoicing-dev-123456789012-us-east-1';

const erin = { customerId: 'erin' };
const dashboardEvent = (
  customerId = 'erin',
  principal: { customerId: string; role?: 'admin' | 'customer' } = erin,
) =>
  httpEvent({
    pathParameters: { customerId },
    principal,
    headers: { Authorization: 'Bearer token-of-erin' },
  });
const timeoutsMs = { orders: 1_000, summary: 1_000, billing: 500 };

beforeAll(async () => {
  orders = await fakeService(ordersPage);
  billing = await fakeService(invoices);
  rm = await freshReadModel(inject('postgresUrl'));
  await buildApplyRows(rm.pool)([
    rowFromChange({
      eventName: 'INSERT',
      keys: { SK: 'ORDER' },
      newImage: orderItem({ customerId: 'erin', status: 'CONFIRMED' }),
    })!,
  ]);
  redis = new Redis(inject('redisUrl'), { enableOfflineQueue: true, commandTimeout: 5_000 });
  summary = customerSummaryReport(
    readThrough(buildRedisCacheStore(redis, `${uniqueName('rpt-dash')}:`), cacheTelemetry),
    buildQueryCustomerSummary(rm.pool),
  );
  process.env.DATABASE_URL = rm.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.CACHE_PREFIX = `${uniqueName('rpt-dash-deployed')}:`;
  process.env.ORDERS_API_URL = `${orders.url}/dev/`;
  billingApi = await billingApiStandIn();
  process.env.BILLING_API_URL = `${billingApi.url}/dev`;
  reportingApi = await reportingApiStandIn();
  process.env.REPORTING_API_URL = `${reportingApi.url}/dev`;
  mod = await import('../src/handlers/customer-dashboard');
});

/**
 * This service's own API as the deployed dashboard reaches it: a loopback stand-in for
 * API Gateway in front of the real customer-summary handler (the gatekeeper's work,
 * turning the bearer token into a principal, is played by a fixed token → customer map).
 */
async function reportingApiStandIn(): Promise<{ url: string; server: Server; seen: string[] }> {
  const { handler: summaryHandler } = await import('../src/handlers/customer-summary');
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    seen.push(req.url ?? '');
    const match = /^\/dev\/reports\/customers\/([^/]+)\/summary$/.exec(req.url ?? '');
    if (!match || req.headers.authorization !== 'Bearer token-of-erin') {
      res.writeHead(match ? 401 : 404).end();
      return;
    }
    const out = await (summaryHandler as unknown as Http)(
      httpEvent({ pathParameters: { customerId: decodeURIComponent(match[1]!) }, principal: erin }),
      lambdaContext() as unknown as Context,
    );
    res.writeHead(out.statusCode, { 'content-type': 'application/json' }).end(out.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

/**
 * The billing API as the deployed dashboard reaches it: invoicing's real
 * list-customer-invoices handler on a moto table (the template's, with its customer
 * index) holding one issued invoice of erin's, behind the same token → principal stand-in.
 */
async function billingApiStandIn(): Promise<{ url: string; server: Server; seen: string[] }> {
  const table = await createTableFromTemplate('services/invoicing', 'InvoicesTable');
  const doc = documentClient(new DynamoDBClient({}));
  erinsInvoice = draftInvoice(
    samplePaymentCaptured({ customerId: 'erin', amount: 2_500 }).data,
    'corr-dash',
    new Date('2026-11-20T10:16:00.000Z'),
  );
  await buildClaimInvoice(doc, table)(erinsInvoice);
  await buildMarkInvoiceIssued(doc, table)(erinsInvoice.paymentId);
  process.env.INVOICES_TABLE_NAME = table;
  process.env.INVOICES_BUCKET_NAME = INVOICES_BUCKET;
  const { handler: listInvoices } = await import('../../invoicing/src/handlers/list-customer-invoices');
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    seen.push(req.url ?? '');
    const match = /^\/dev\/customers\/([^/?]+)\/invoices$/.exec(req.url ?? '');
    if (!match || req.headers.authorization !== 'Bearer token-of-erin') {
      res.writeHead(match ? 401 : 404).end();
      return;
    }
    const out = await (listInvoices as unknown as Http)(
      httpEvent({ pathParameters: { customerId: decodeURIComponent(match[1]!) }, principal: erin }),
      lambdaContext() as unknown as Context,
    );
    res.writeHead(out.statusCode, { 'content-type': 'application/json' }).end(out.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

afterAll(async () => {
  for (const api of [reportingApi, billingApi]) {
    api?.server.closeAllConnections();
    await new Promise((r) => api?.server.close(r));
  }
  for (const svc of [orders, billing]) {
    svc?.server.closeAllConnections();
    await new Promise((r) => svc?.server.close(r));
  }
  redis?.disconnect();
  await rm?.close();
  const { closePool } = await import('@order-platform/shared/db/postgres');
  const { closeRedis } = await import('@order-platform/shared/cache/redis');
  await closePool();
  await closeRedis();
});

describe('customer dashboard', () => {
  it('calls every part in parallel and forwards the caller identity (deployed wiring)', async () => {
    orders.behaviour = 'ok';
    billing.behaviour = 'ok';
    orders.seen.length = 0;

    const response = await (mod.handler as unknown as Http)(
      dashboardEvent(),
      lambdaContext() as unknown as Context,
    );

    expect(response.statusCode).toBe(200);
    const dashboard = JSON.parse(response.body);
    expect(dashboard).toMatchObject({
      customerId: 'erin',
      partial: false,
      parts: {
        orders: { status: 'ok', data: ordersPage },
        summary: { status: 'ok', data: { customerId: 'erin', orders: { confirmed: 1 } } },
        billing: {
          status: 'ok',
          data: {
            customerId: 'erin',
            invoices: [
              {
                invoiceId: erinsInvoice.invoiceId,
                orderId: erinsInvoice.orderId,
                paymentId: erinsInvoice.paymentId,
                amount: 2_500,
                currency: 'EUR',
                issuedAt: '2026-11-20T10:16:00.000Z',
                document: { bucket: INVOICES_BUCKET, key: erinsInvoice.documentKey },
              },
            ],
          },
        },
      },
    });
    expect(orders.seen[0]).toMatchObject({
      url: '/dev/customers/erin/orders?limit=5',
      headers: { authorization: 'Bearer token-of-erin' },
    });
    expect(orders.seen[0]!.headers['x-correlation-id']).toBeTruthy();
    expect(billingApi.seen.at(-1)).toBe('/dev/customers/erin/invoices');
    expect(reportingApi.seen.at(-1)).toBe('/dev/reports/customers/erin/summary');
  });

  it('answers 200 partial within its timeouts when one dependency fails and one is slow', async () => {
    // Prepare
    orders.behaviour = 'fail';
    billing.behaviour = 'slow';
    const handler = mod.makeHandler({
      summary,
      ordersApiUrl: orders.url,
      billingApiUrl: billing.url,
      timeoutsMs,
    }) as Http;

    // Act
    const started = Date.now();
    const response = await handler(dashboardEvent());
    const elapsed = Date.now() - started;

    // Assess: the slow part is cut at its own 500 ms, not after the server's 10 s.
    expect(response.statusCode).toBe(200);
    const dashboard = JSON.parse(response.body);
    expect(dashboard.partial).toBe(true);
    expect(dashboard.parts.orders).toMatchObject({ status: 'error', error: 'orders responded 500' });
    expect(JSON.stringify(dashboard)).not.toContain('stack trace');
    expect(dashboard.parts.billing).toMatchObject({ status: 'timeout', error: 'no answer within 500 ms' });
    expect(dashboard.parts.summary).toMatchObject({ status: 'ok', data: { customerId: 'erin' } });
    // Bounded by the largest part timeout (1 s) plus scheduling slack: far from the server's 10 s.
    expect(elapsed).toBeLessThan(5_000);
  });

  it('marks an unconfigured billing API as unavailable and an unreachable one as an error', async () => {
    orders.behaviour = 'ok';
    const noBilling = mod.makeHandler({ summary, ordersApiUrl: orders.url, timeoutsMs }) as Http;
    const refused = mod.makeHandler({
      summary,
      ordersApiUrl: orders.url,
      billingApiUrl: 'http://127.0.0.1:9',
      timeoutsMs,
    }) as Http;

    const a = JSON.parse((await noBilling(dashboardEvent())).body);
    const b = JSON.parse((await refused(dashboardEvent())).body);

    expect(a).toMatchObject({
      partial: true,
      parts: { billing: { status: 'unavailable' }, orders: { status: 'ok' } },
    });
    expect(b).toMatchObject({
      partial: true,
      parts: { billing: { status: 'error', error: 'request failed' } },
    });
  });

  it('answers 503 when no part could be loaded', async () => {
    orders.behaviour = 'fail';
    const handler = mod.makeHandler({
      summary: async () => {
        throw new Error('database unreachable');
      },
      ordersApiUrl: orders.url,
      timeoutsMs,
    }) as Http;

    const response = await handler(dashboardEvent());

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: 'DEPENDENCY_UNAVAILABLE' },
      partial: true,
    });
  });

  it("keeps a customer out of another customer's dashboard; admins may look", async () => {
    orders.behaviour = 'ok';
    const handler = mod.makeHandler({ summary, ordersApiUrl: orders.url, timeoutsMs }) as Http;

    expect((await handler(dashboardEvent('frank'))).statusCode).toBe(403);
    expect((await handler(dashboardEvent('frank', { customerId: 'ops', role: 'admin' }))).statusCode).toBe(
      200,
    );
    expect((await handler(dashboardEvent('no/slash'))).statusCode).toBe(400);
  });
});
