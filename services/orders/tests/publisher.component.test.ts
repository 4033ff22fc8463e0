/**
 * P02: the stream-fed outbox. Real table writes (through the real HTTP handlers) produce
 * real stream records in moto; the real publisher puts them on a real EventBridge bus,
 * observed through an SQS target. Retried batches must not publish twice.
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalog, type CatalogFixture } from './catalog-fixture';
import {
  busWithQueueTarget,
  createTableFromTemplate,
  drainQueue,
  lambdaContext,
} from '../../../test-support/src/aws';
import { httpEvent } from '../../../test-support/src/http-events';
import { openStreamDriver, toStreamEvent, type StreamDriver } from '../../../test-support/src/stream-driver';

type Http = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Publisher = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

let createOrder: Http;
let catalog: CatalogFixture;
let cancelOrder: Http;
let publish: Publisher;
let stream: StreamDriver;
let queueUrl: string;

const order = { currency: 'EUR', lines: [{ sku: 'SKU-7', quantity: 1 }] };

beforeAll(async () => {
  catalog = await startCatalog();
  await catalog.sell([{ sku: 'SKU-7', eur: 999 }]);
  const table = await createTableFromTemplate('services/orders', 'OrdersTable');
  const idempotency = await createTableFromTemplate('services/orders', 'PublisherIdempotencyTable');
  const bus = await busWithQueueTarget({ source: ['order-platform.orders'] });
  queueUrl = bus.queueUrl;
  Object.assign(process.env, {
    TABLE_NAME: table,
    EVENT_BUS_NAME: bus.busName,
    IDEMPOTENCY_TABLE_NAME: idempotency,
  });
  createOrder = (await import('../src/handlers/create-order')).handler as unknown as Http;
  cancelOrder = (await import('../src/handlers/cancel-order')).handler as unknown as Http;
  publish = (await import('../src/handlers/publish-events')).handler as unknown as Publisher;
  stream = await openStreamDriver(table, { from: 'NOW' });
});

afterAll(async () => {
  await catalog?.stop();
});

async function placeAndCancel(correlationId: string) {
  const ctx = lambdaContext() as unknown as Context;
  const headers = { 'x-correlation-id': correlationId };
  const placed = JSON.parse(
    (await createOrder(httpEvent({ method: 'POST', body: order, headers }), ctx)).body,
  );
  await cancelOrder(httpEvent({ method: 'POST', pathParameters: { orderId: placed.orderId }, headers }), ctx);
  return placed.orderId as string;
}

const bodies = (messages: { Body?: string }[]) => messages.map((m) => JSON.parse(m.Body!));

describe('orders stream → EventBridge publisher', () => {
  it('publishes each change exactly once, even when the whole batch is delivered again', async () => {
    const orderId = await placeAndCancel('corr-publish-1');
    const records = await stream.waitFor(2);
    const batch = toStreamEvent(records);

    const first = await publish(batch, lambdaContext() as unknown as Context);
    const retry = await publish(batch, lambdaContext() as unknown as Context);

    expect(first.batchItemFailures).toEqual([]);
    expect(retry.batchItemFailures).toEqual([]);
    const events = bodies(await drainQueue(queueUrl));
    const mine = events.filter((e) => e.detail.data.orderId === orderId);
    expect(mine.map((e) => e['detail-type'])).toEqual(['OrderPlaced', 'OrderCancelled']);
    for (const e of mine) {
      expect(e.source).toBe('order-platform.orders');
      expect(e.detail.metadata).toMatchObject({ version: 1, correlationId: 'corr-publish-1' });
    }
  });

  it('resumes a half-finished batch without duplicating what already went out', async () => {
    const a = await placeAndCancel('corr-publish-2');
    const b = await placeAndCancel('corr-publish-3');
    const batch = toStreamEvent(await stream.waitFor(4));

    // First delivery runs out of time after two records: the rest are reported as failures.
    let calls = 0;
    const shortOnTime = {
      ...lambdaContext(),
      getRemainingTimeInMillis: () => (++calls <= 3 ? 60_000 : 100),
    } as unknown as Context;
    const partial = await publish(batch, shortOnTime);
    expect(partial.batchItemFailures.length).toBeGreaterThan(0);
    expect(partial.batchItemFailures.length).toBeLessThan(4);

    // Lambda then delivers from the first failed record; we replay the whole batch, the harsher case.
    const again = await publish(batch, lambdaContext() as unknown as Context);
    expect(again.batchItemFailures).toEqual([]);

    const events = bodies(await drainQueue(queueUrl)).filter((e) => [a, b].includes(e.detail.data.orderId));
    const keys = events.map((e) => e.detail.metadata.idempotencyKey);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
  });

  it('ignores idempotency records and changes that are not domain events', async () => {
    const ctx = lambdaContext() as unknown as Context;
    await createOrder(
      httpEvent({ method: 'POST', body: order, headers: { 'Idempotency-Key': `k-${Date.now()}` } }),
      ctx,
    );
    const records = await stream.waitFor(2); // the order item and its idempotency item
    await publish(toStreamEvent(records), ctx);
    const events = bodies(await drainQueue(queueUrl));
    expect(events.map((e) => e['detail-type'])).toEqual(['OrderPlaced']);
  });
});
