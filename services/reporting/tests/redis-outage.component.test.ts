/**
 * P05: with Redis stopped the reports still answer, correctly, from Postgres, and say so
 * (CacheUnavailable metric + a warning in the log); when Redis is back, caching resumes.
 * A private Redis engine, since this test stops it.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { logger, metrics } from '@order-platform/shared/observability';
import { lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { startRedis, type RedisEngine } from '../../../test-support/src/engines';
import { httpEvent } from '../../../test-support/src/http-events';
import { rowFromChange } from '../src/domain/order-item';
import { buildApplyRows, buildQueryCustomerSummary, buildQueryDailySales } from '../src/adapters/read-model';
import { freshReadModel, orderItem, type ReadModelDb } from './helpers';

type Http = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let engine: RedisEngine;
let rm: ReadModelDb;
let sales: Http;
let summary: Http;
const admin = { customerId: 'ops', role: 'admin' as const };
const range = { from: '2026-09-01', to: '2026-09-30' };

const readSales = () =>
  sales(httpEvent({ query: range, principal: admin }), lambdaContext() as unknown as Context);
const readSummary = () =>
  summary(
    httpEvent({ pathParameters: { customerId: 'dave' }, principal: { customerId: 'dave' } }),
    lambdaContext() as unknown as Context,
  );

async function seed(item: Record<string, unknown>) {
  await buildApplyRows(rm.pool)([
    rowFromChange({ eventName: 'INSERT', keys: { SK: 'ORDER' }, newImage: item })!,
  ]);
}

beforeAll(async () => {
  engine = await startRedis();
  rm = await freshReadModel(inject('postgresUrl'));
  await seed(orderItem({ customerId: 'dave', status: 'CONFIRMED', createdAt: '2026-09-10T10:00:00.000Z' }));
  process.env.DATABASE_URL = rm.url;
  process.env.REDIS_URL = engine.url;
  process.env.CACHE_PREFIX = `${uniqueName('rpt-outage')}:`;
  sales = (await import('../src/handlers/sales-daily')).handler as unknown as Http;
  summary = (await import('../src/handlers/customer-summary')).handler as unknown as Http;
});

afterAll(async () => {
  const { closeRedis } = await import('@order-platform/shared/cache/redis');
  const { closePool } = await import('@order-platform/shared/db/postgres');
  await closeRedis();
  await closePool();
  await engine?.stop();
  await rm?.close();
});

describe('Redis outage', () => {
  it('answers from Postgres while Redis is down, reports it, and caches again once it is back', async () => {
    // Prepare: a warm cache.
    expect((await readSales()).headers?.['x-cache']).toBe('miss');
    expect((await readSales()).headers?.['x-cache']).toBe('hit');
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const warn = vi.spyOn(logger, 'warn');

    // Act: stop Redis; the read model changes meanwhile.
    await engine.pause();
    await seed(orderItem({ customerId: 'dave', status: 'CONFIRMED', createdAt: '2026-09-11T10:00:00.000Z' }));
    const during = await readSales();
    const summaryDuring = await readSummary();

    // Assess: correct answers (the Postgres truth, new order included), outage reported.
    expect(during.statusCode).toBe(200);
    expect(during.headers?.['x-cache']).toBe('bypass');
    expect(JSON.parse(during.body)).toEqual(await buildQueryDailySales(rm.pool)(range.from, range.to));
    expect(JSON.parse(during.body).days).toHaveLength(2);
    expect(summaryDuring.statusCode).toBe(200);
    expect(JSON.parse(summaryDuring.body)).toEqual(await buildQueryCustomerSummary(rm.pool)('dave'));
    expect(addMetric).toHaveBeenCalledWith('CacheUnavailable', 'Count', 1);
    expect(warn).toHaveBeenCalledWith(
      'Cache unavailable; answering from Postgres',
      expect.objectContaining({ operation: 'generation' }),
    );

    // Act: Redis is back (empty, as after a failover). The client reconnects on its own.
    await engine.resume();
    const sources: string[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && sources.at(-1) !== 'hit') {
      const response = await readSales();
      expect(response.statusCode).toBe(200);
      sources.push(String(response.headers?.['x-cache']));
      if (sources.at(-1) === 'bypass') await new Promise((r) => setTimeout(r, 100));
    }

    // Assess: bypass until reconnected, then one miss fills the cache, then hits.
    expect(sources.slice(-2)).toEqual(['miss', 'hit']);
    addMetric.mockRestore();
    warn.mockRestore();
  });
});
