/**
 * P05: the reports API reading through Redis (real) in front of Postgres (real).
 * Postgres queries are counted at the pool port; Redis keyspace hits/misses come from a
 * private Redis (INFO stats are per server, so no other test file can disturb them).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, EventBridgeEvent } from 'aws-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { envelope } from '@order-platform/shared/events/envelope';
import { orderCancelledV1, orderConfirmedV1, orderPlacedV1 } from '@order-platform/shared/events/orders';
import { busWithQueueTarget, drainQueue, lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { startRedis, type RedisEngine } from '../../../test-support/src/engines';
import { httpEvent } from '../../../test-support/src/http-events';
import { loadTemplate, resourcesOfType } from '../../../test-support/src/template';
import { readThrough, type CacheTelemetry, type ReadSource } from '../src/domain/cache';
import { rowFromChange } from '../src/domain/order-item';
import type { CacheStore } from '../src/domain/ports';
import {
  buildApplyRows,
  buildQueryCustomerSummary,
  buildQueryDailySales,
  buildQueryTopProducts,
} from '../src/adapters/read-model';
import { buildRedisCacheStore } from '../src/adapters/redis-cache';
import { countingDb, freshReadModel, orderId, orderItem, type ReadModelDb } from './helpers';

type Http = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;
type Modules = {
  sales: typeof import('../src/handlers/sales-daily');
  summary: typeof import('../src/handlers/customer-summary');
  top: typeof import('../src/handlers/top-products');
  invalidate: typeof import('../src/handlers/invalidate-cache');
};

const admin = { customerId: 'ops-admin', role: 'admin' as const };
const body = (r: APIGatewayProxyResult) => JSON.parse(r.body);
const ctx = () => lambdaContext() as unknown as Context;

let rm: ReadModelDb;
let m: Modules;
const clients: Redis[] = [];

function redisClient(url: string): Redis {
  // The platform's getRedis() settings, except a roomier command timeout: these tests
  // count hits and misses, and on a busy CI machine a 500 ms timeout would turn a slow
  // command into a (correct, but uncounted) read from Postgres.
  const c = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: 5_000,
  });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

async function ready(c: Redis) {
  if (c.status !== 'ready') await new Promise((r) => c.once('ready', r));
  return c;
}

function countingTelemetry() {
  const counts: Record<ReadSource | 'unavailable', number> = {
    hit: 0,
    miss: 0,
    waited: 0,
    shared: 0,
    bypass: 0,
    unavailable: 0,
  };
  const telemetry: CacheTelemetry = {
    read: (_, s) => void counts[s]++,
    unavailable: () => void counts.unavailable++,
  };
  return { counts, telemetry };
}

/** An EventBridge event as the platform bus delivers it (detail = the envelope). */
function busEvent(detail: ReturnType<typeof envelope>): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: uniqueName('evt'),
    'detail-type': detail.metadata.eventType,
    source: detail.metadata.source,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const confirmedEvent = (customerId: string) =>
  envelope(
    orderConfirmedV1,
    { orderId: orderId(), customerId, total: 1000, currency: 'EUR', confirmedAt: new Date().toISOString() },
    { correlationId: 'corr-test', idempotencyKey: uniqueName('k') },
  );

async function seed(rows: Record<string, unknown>[]) {
  const apply = buildApplyRows(rm.pool);
  await apply(
    rows.map((item) => rowFromChange({ eventName: 'INSERT', keys: { SK: 'ORDER' }, newImage: item })!),
  );
}

async function redisStats(c: Redis) {
  const info = await c.info('stats');
  const read = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
  return { hits: read('keyspace_hits'), misses: read('keyspace_misses') };
}

beforeAll(async () => {
  rm = await freshReadModel(inject('postgresUrl'));
  await seed([
    orderItem({
      customerId: 'alice',
      status: 'CONFIRMED',
      createdAt: '2026-10-01T10:00:00.000Z',
      lines: [{ sku: 'SKU-HOT', quantity: 5, unitPrice: 100 }],
    }),
    orderItem({ customerId: 'alice', status: 'CANCELLED', createdAt: '2026-10-02T10:00:00.000Z' }),
    orderItem({
      customerId: 'bob',
      status: 'CONFIRMED',
      currency: 'USD',
      createdAt: '2026-10-02T11:00:00.000Z',
      lines: [{ sku: 'SKU-COLD', quantity: 1, unitPrice: 900 }],
    }),
  ]);
  process.env.DATABASE_URL = rm.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.CACHE_PREFIX = `${uniqueName('rpt-reports')}:`;
  m = {
    sales: await import('../src/handlers/sales-daily'),
    summary: await import('../src/handlers/customer-summary'),
    top: await import('../src/handlers/top-products'),
    invalidate: await import('../src/handlers/invalidate-cache'),
  };
});

afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  await rm?.close();
  const { closePool } = await import('@order-platform/shared/db/postgres');
  const { closeRedis } = await import('@order-platform/shared/cache/redis');
  await closePool();
  await closeRedis();
});

describe('the reports API (deployed wiring)', () => {
  const sales = (
    query: Record<string, string>,
    principal: { customerId: string; role?: 'admin' | 'customer' } = admin,
  ) =>
    (m.sales.handler as unknown as Http)(
      httpEvent({ path: '/reports/sales/daily', query, principal }),
      ctx(),
    );
  const summary = (customerId: string, principal: { customerId: string; role?: 'admin' | 'customer' }) =>
    (m.summary.handler as unknown as Http)(httpEvent({ pathParameters: { customerId }, principal }), ctx());
  const top = (
    query: Record<string, string>,
    principal: { customerId: string; role?: 'admin' | 'customer' } = admin,
  ) =>
    (m.top.handler as unknown as Http)(httpEvent({ path: '/reports/products/top', query, principal }), ctx());

  it('serves daily sales from Postgres on a miss, then from Redis', async () => {
    const first = await sales({ from: '2026-10-01', to: '2026-10-31' });
    const second = await sales({ from: '2026-10-01', to: '2026-10-31' });

    expect(first.statusCode).toBe(200);
    expect([first.headers?.['x-cache'], second.headers?.['x-cache']]).toEqual(['miss', 'hit']);
    expect(body(second)).toEqual(body(first));
    expect(body(first)).toEqual({
      from: '2026-10-01',
      to: '2026-10-31',
      days: [
        { day: '2026-10-01', currency: 'EUR', orders: 1, units: 5, revenue: 500 },
        { day: '2026-10-02', currency: 'USD', orders: 1, units: 1, revenue: 900 },
      ],
      totals: [
        { currency: 'EUR', orders: 1, units: 5, revenue: 500 },
        { currency: 'USD', orders: 1, units: 1, revenue: 900 },
      ],
    });
  });

  it.each([
    [{ from: '2026-10-01' }, 'to'],
    [{ from: '2026-13-01', to: '2026-12-31' }, 'from'],
    [{ from: '2026-10-31', to: '2026-10-01' }, 'from'],
    [{ from: '2024-01-01', to: '2026-01-01' }, 'to'],
    [{ from: '2026-10-01', to: '2026-10-02', limit: '3' }, '(root)'],
  ])('rejects %j with 400 and says why', async (query, path) => {
    const response = await sales(query);
    expect(response.statusCode).toBe(400);
    expect(body(response).error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('keeps sales and top products for admins (403 otherwise)', async () => {
    expect((await sales({ from: '2026-10-01', to: '2026-10-02' }, { customerId: 'alice' })).statusCode).toBe(
      403,
    );
    expect((await top({}, { customerId: 'alice' })).statusCode).toBe(403);
  });

  it('ranks products by units sold in confirmed orders, limit 1..50', async () => {
    const response = await top({ limit: '1' });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      limit: 1,
      products: [{ sku: 'SKU-HOT', units: 5, orders: 1, revenue: { EUR: 500 } }],
    });
    expect((await top({ limit: '51' })).statusCode).toBe(400);
    expect((await top({ limit: '0' })).statusCode).toBe(400);
  });

  it("lets a customer read their own summary only; an admin reads anyone's", async () => {
    const own = await summary('alice', { customerId: 'alice' });
    expect(own.statusCode).toBe(200);
    expect(body(own)).toEqual({
      customerId: 'alice',
      orders: { total: 2, confirmed: 1, cancelled: 1, failed: 0, open: 0 },
      spent: [{ currency: 'EUR', amount: 500 }],
      firstOrderAt: '2026-10-01T10:00:00.000Z',
      lastOrderAt: '2026-10-02T10:00:00.000Z',
    });
    expect((await summary('bob', { customerId: 'alice' })).statusCode).toBe(403);
    expect((await summary('alice', admin)).statusCode).toBe(200);
    expect((await summary('a b', admin)).statusCode).toBe(400);
  });
});

describe('one hot report read 10,000 times', () => {
  it('queries Postgres once per invalidation and answers every other read from Redis', async () => {
    // Prepare: a private Redis (exact INFO stats), a query counter on the pool port.
    const engine: RedisEngine = await startRedis();
    try {
      const redis = await ready(redisClient(engine.url));
      const store = buildRedisCacheStore(redis, 'rpt:');
      const { counts, telemetry } = countingTelemetry();
      const { db, count } = countingDb(rm.pool);
      const read = m.sales.makeHandler({
        cache: readThrough(store, telemetry),
        queryDailySales: buildQueryDailySales(db),
      }) as Http;
      const invalidate = m.invalidate.makeHandler({ store });
      const event = httpEvent({
        path: '/reports/sales/daily',
        query: { from: '2026-10-01', to: '2026-10-31' },
        principal: admin,
      });
      const before = await redisStats(redis);
      const bodies = new Set<string>();

      // Act: 10,000 reads; an OrderConfirmed event every 2,500 (three invalidations).
      for (let i = 0; i < 10_000; i++) {
        if (i > 0 && i % 2_500 === 0) await invalidate(busEvent(confirmedEvent('alice')));
        const response = await read(event);
        if (response.statusCode !== 200) throw new Error(`read ${i} answered ${response.statusCode}`);
        bodies.add(response.body);
      }

      // Assess
      expect(counts).toEqual({ hit: 9_996, miss: 4, waited: 0, shared: 0, bypass: 0, unavailable: 0 });
      expect(count(), JSON.stringify(counts)).toBe(4);
      expect(bodies.size).toBe(1); // same data: the invalidations only dropped the cache
      const after = await redisStats(redis);
      // Each hit is two keyspace hits (generation + value); each recompute only a few misses.
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(2 * 9_996);
      expect(after.misses - before.misses).toBeGreaterThanOrEqual(4);
      expect(after.misses - before.misses).toBeLessThanOrEqual(4 * 3 + 1);
    } finally {
      await engine.stop();
    }
  });
});

describe('many callers missing the same key at once', () => {
  it('recompute it once across 50 "containers" (separate caches, separate connections)', async () => {
    // Prepare: 50 independent cache-aside instances (no shared in-process state) over
    // 10 Redis connections, all missing the same key; the recompute is slowed down so
    // every caller arrives while it runs.
    const prefix = `${uniqueName('rpt-stampede')}:`;
    const connections = await Promise.all(
      Array.from({ length: 10 }, () => ready(redisClient(inject('redisUrl')))),
    );
    const { counts, telemetry } = countingTelemetry();
    const { db, count } = countingDb(rm.pool);
    const query = buildQueryTopProducts(db);
    const slowQuery = async (limit: number) => {
      await new Promise((r) => setTimeout(r, 150));
      return query(limit);
    };
    const containers = Array.from(
      { length: 50 },
      (_, i) =>
        m.top.makeHandler({
          cache: readThrough(buildRedisCacheStore(connections[i % 10]!, prefix), telemetry),
          queryTopProducts: slowQuery,
        }) as Http,
    );

    // Act
    const responses = await Promise.all(
      containers.map((h) => h(httpEvent({ query: { limit: '5' }, principal: admin }))),
    );

    // Assess
    expect(count(), JSON.stringify(counts)).toBe(1);
    expect(counts.miss).toBe(1);
    expect(counts.waited + counts.hit).toBe(49);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
  });

  it('share one recompute inside one container (single-flight), without a Redis lock race', async () => {
    const prefix = `${uniqueName('rpt-flight')}:`;
    const redis = await ready(redisClient(inject('redisUrl')));
    const store = buildRedisCacheStore(redis, prefix);
    let locks = 0;
    const countingStore: CacheStore = { ...store, tryLock: (...a) => (locks++, store.tryLock(...a)) };
    const { counts, telemetry } = countingTelemetry();
    const { db, count } = countingDb(rm.pool);
    const read = m.summary.makeHandler({
      cache: readThrough(countingStore, telemetry),
      queryCustomerSummary: buildQueryCustomerSummary(db),
    }) as Http;

    await Promise.all(
      Array.from({ length: 50 }, () =>
        read(httpEvent({ pathParameters: { customerId: 'bob' }, principal: admin })),
      ),
    );

    expect(count()).toBe(1);
    expect(locks).toBe(1);
    expect(counts).toMatchObject({ miss: 1, shared: 49 });
  });
});

describe('invalidation by domain events', () => {
  it('routes only OrderConfirmed/OrderCancelled v1 through the rule of the packaged template', async () => {
    // Prepare: the rule's own pattern from the template, on a moto bus, delivering to a queue.
    const [, rule] = resourcesOfType(loadTemplate('services/reporting'), 'AWS::Events::Rule').find(
      ([, r]) => r.Properties?.EventPattern,
    )!;
    const pattern = rule.Properties!.EventPattern as Record<string, unknown>;
    const { busName, queueUrl } = await busWithQueueTarget(pattern);
    const meta = { correlationId: 'c', idempotencyKey: 'k' };
    const oid = orderId();
    const confirmed = confirmedEvent('alice');
    const cancelled = envelope(
      orderCancelledV1,
      { orderId: oid, customerId: 'bob', reason: 'changed my mind', cancelledAt: new Date().toISOString() },
      meta,
    );
    const placed = envelope(
      orderPlacedV1,
      {
        orderId: oid,
        customerId: 'bob',
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1, kind: 'physical' }],
        total: 1,
        currency: 'EUR',
        placedAt: new Date().toISOString(),
      },
      meta,
    );
    const confirmedV2 = { ...confirmed, metadata: { ...confirmed.metadata, version: 2 } };
    const entry = (detail: { metadata: { eventType: string; source: string } }) => ({
      EventBusName: busName,
      Source: detail.metadata.source,
      DetailType: detail.metadata.eventType,
      Detail: JSON.stringify(detail),
    });

    // Act
    await new EventBridgeClient({}).send(
      new PutEventsCommand({ Entries: [confirmed, cancelled, placed, confirmedV2].map(entry) }),
    );
    const delivered = (await drainQueue(queueUrl)).map(
      (msg) => JSON.parse(msg.Body!) as EventBridgeEvent<string, { metadata: { version: number } }>,
    );

    // Assess
    expect(delivered.map((e) => [e['detail-type'], e.detail.metadata.version]).sort()).toEqual([
      ['OrderCancelled', 1],
      ['OrderConfirmed', 1],
    ]);
    const invalidate = m.invalidate.makeHandler({
      store: buildRedisCacheStore(await ready(redisClient(inject('redisUrl'))), 'rpt-unused:'),
    });
    const results = await Promise.all(delivered.map((e) => invalidate(e)));
    expect(results.map((r) => r.invalidated).sort()).toEqual([
      ['sales', 'customer:alice'],
      ['sales', 'customer:bob'],
    ]);
  });

  it('makes the next read recompute and show the new data; the invalidator drops unknown events', async () => {
    // Prepare
    const prefix = `${uniqueName('rpt-inval')}:`;
    const store = buildRedisCacheStore(await ready(redisClient(inject('redisUrl'))), prefix);
    const { telemetry } = countingTelemetry();
    const read = m.summary.makeHandler({
      cache: readThrough(store, telemetry),
      queryCustomerSummary: buildQueryCustomerSummary(rm.pool),
    }) as Http;
    const invalidate = m.invalidate.makeHandler({ store });
    const carol = () =>
      read(httpEvent({ pathParameters: { customerId: 'carol' }, principal: { customerId: 'carol' } }));
    await seed([
      orderItem({ customerId: 'carol', status: 'CONFIRMED', createdAt: '2026-10-03T10:00:00.000Z' }),
    ]);
    await carol();

    // Act: a new order lands in the read model; the cached summary is still the old one
    // until the OrderConfirmed event arrives.
    await seed([
      orderItem({ customerId: 'carol', status: 'CONFIRMED', createdAt: '2026-10-04T10:00:00.000Z' }),
    ]);
    const stale = await carol();
    const rejected = await invalidate(
      busEvent({ ...confirmedEvent('carol'), metadata: { ...confirmedEvent('carol').metadata, version: 9 } }),
    );
    const stillStale = await carol();
    await invalidate(busEvent(confirmedEvent('carol')));
    const fresh = await carol();

    // Assess
    expect(stale.headers?.['x-cache']).toBe('hit');
    expect(body(stale).orders.confirmed).toBe(1);
    expect(rejected.invalidated).toEqual([]);
    expect(stillStale.headers?.['x-cache']).toBe('hit');
    expect(fresh.headers?.['x-cache']).toBe('miss');
    expect(body(fresh).orders.confirmed).toBe(2);
  });
});
