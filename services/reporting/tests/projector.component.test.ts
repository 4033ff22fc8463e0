/**
 * P04 + X6/X7: the projector fed with real stream records (moto DynamoDB Streams, read by
 * the stream driver) from a table created from the orders stack's packaged template,
 * writing a real Postgres read model.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTableFromTemplate,
  drainQueue,
  lambdaContext,
  uniqueName,
} from '../../../test-support/src/aws';
import { openStreamDriver, toStreamEvent, type StreamDriver } from '../../../test-support/src/stream-driver';
import { buildApplyRows } from '../src/adapters/read-model';
import { dumpReadModel, freshReadModel, orderId, orderItem, type ReadModelDb } from './helpers';

type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
type MakeHandler = (typeof import('../src/handlers/project-orders'))['makeHandler'];

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ctx = () => lambdaContext(60_000) as unknown as Context;

let table: string;
let stream: StreamDriver;
let queueUrl: string;
let main: ReadModelDb;
let handler: StreamHandler;
let makeHandler: MakeHandler;
const others: ReadModelDb[] = [];

/** Writes the way the orders service does: every write bumps `version` and `updatedAt`. */
async function put(item: Record<string, unknown>) {
  await doc.send(new PutCommand({ TableName: table, Item: item }));
}
async function setStatus(id: string, status: string, at: string) {
  await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { PK: `ORDER#${id}`, SK: 'ORDER' },
      UpdateExpression: 'SET #s = :s, updatedAt = :at ADD version :one',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':at': at, ':one': 1 },
    }),
  );
}

/** A projector writing to another database (same code, own pool). */
async function projectorFor(db: ReadModelDb): Promise<StreamHandler> {
  return makeHandler({
    applyRows: buildApplyRows(db.pool),
    parkPoison: async () => undefined,
    readModelChanged: async () => undefined,
  }) as StreamHandler;
}

async function otherReadModel(): Promise<ReadModelDb> {
  const db = await freshReadModel(inject('postgresUrl'));
  others.push(db);
  return db;
}

// The order history every ordering test replays: ids fixed per run.
const ids = { o1: orderId(), o2: orderId(), o3: orderId(), o4: orderId(), o5: orderId(), o6: orderId() };
const DAY1 = '2026-11-20';
const DAY2 = '2026-11-21';
let history: DynamoDBRecord[];

beforeAll(async () => {
  table = await createTableFromTemplate('services/orders', 'OrdersTable');
  stream = await openStreamDriver(table, { from: 'NOW' });
  queueUrl = (
    await new SQSClient({}).send(new CreateQueueCommand({ QueueName: uniqueName('projector-failures') }))
  ).QueueUrl!;
  main = await freshReadModel(inject('postgresUrl'));
  process.env.DATABASE_URL = main.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.CACHE_PREFIX = `${uniqueName('rpt-projector')}:`;
  process.env.PROJECTOR_FAILURE_QUEUE_URL = queueUrl;
  const mod = await import('../src/handlers/project-orders');
  handler = mod.handler as unknown as StreamHandler;
  makeHandler = mod.makeHandler;

  // o1: placed, reserved, confirmed (EUR, alice, day 1)
  await put(
    orderItem({
      orderId: ids.o1,
      customerId: 'alice',
      createdAt: `${DAY1}T09:00:00.000Z`,
      lines: [{ sku: 'SKU-A', quantity: 2, unitPrice: 1500 }],
    }),
  );
  await setStatus(ids.o1, 'RESERVED', `${DAY1}T09:00:01.000Z`);
  await setStatus(ids.o1, 'CONFIRMED', `${DAY1}T09:00:05.000Z`);
  // o2: placed, cancelled (alice, day 1)
  await put(orderItem({ orderId: ids.o2, customerId: 'alice', createdAt: `${DAY1}T10:00:00.000Z` }));
  await setStatus(ids.o2, 'CANCELLED', `${DAY1}T10:01:00.000Z`);
  // o3: placed, failed (bob, day 1)
  await put(orderItem({ orderId: ids.o3, customerId: 'bob', createdAt: `${DAY1}T11:00:00.000Z` }));
  await setStatus(ids.o3, 'FAILED', `${DAY1}T11:00:09.000Z`);
  // o4: placed, confirmed (USD, bob, day 2, two lines)
  await put(
    orderItem({
      orderId: ids.o4,
      customerId: 'bob',
      currency: 'USD',
      createdAt: `${DAY2}T08:00:00.000Z`,
      lines: [
        { sku: 'SKU-A', quantity: 1, unitPrice: 1500 },
        { sku: 'SKU-B', quantity: 3, unitPrice: 200 },
      ],
    }),
  );
  await setStatus(ids.o4, 'CONFIRMED', `${DAY2}T08:00:04.000Z`);
  // o5: placed, still open (alice, day 2)
  await put(orderItem({ orderId: ids.o5, customerId: 'alice', createdAt: `${DAY2}T12:00:00.000Z` }));
  // o6: placed, confirmed, then deleted from the table (alice, day 2): a tombstone
  await put(orderItem({ orderId: ids.o6, customerId: 'alice', createdAt: `${DAY2}T13:00:00.000Z` }));
  await setStatus(ids.o6, 'CONFIRMED', `${DAY2}T13:00:02.000Z`);
  await doc.send(new DeleteCommand({ TableName: table, Key: { PK: `ORDER#${ids.o6}`, SK: 'ORDER' } }));
  // Not an order: must be ignored.
  await put({
    PK: 'IDEMPOTENCY#alice#key-1',
    SK: 'IDEMPOTENCY',
    entity: 'Idempotency',
    orderId: ids.o1,
    expiresAt: 2_000_000_000,
  });

  history = await stream.waitFor(14);
});

afterAll(async () => {
  await Promise.all([main?.close(), ...others.map((d) => d.close())]);
  const { closePool } = await import('@order-platform/shared/db/postgres');
  const { closeRedis } = await import('@order-platform/shared/cache/redis');
  await closePool();
  await closeRedis();
});

describe('projecting the orders stream', () => {
  it('builds the read model from real stream records: CONFIRMED only in sales, tombstones excluded', async () => {
    // Assess the input: real Lambda-shaped records from the stream.
    expect(history).toHaveLength(14);
    expect(history[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventName: 'INSERT',
      eventSourceARN: stream.streamArn,
    });
    expect(history.map((r) => r.eventName)).toContain('REMOVE');

    // Act
    const response = await handler(toStreamEvent(history), ctx());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const dump = await dumpReadModel(main.pool);
    expect(
      dump.orders.map((o) => [
        (o as { order_id: string }).order_id,
        (o as { status: string }).status,
        (o as { deleted: boolean }).deleted,
      ]),
    ).toEqual(
      [
        [ids.o1, 'CONFIRMED', false],
        [ids.o2, 'CANCELLED', false],
        [ids.o3, 'FAILED', false],
        [ids.o4, 'CONFIRMED', false],
        [ids.o5, 'PLACED', false],
        [ids.o6, 'CONFIRMED', true],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(dump.daily_sales).toEqual([
      expect.objectContaining({ day: DAY1, currency: 'EUR', orders: 1, units: 2, revenue: 3000 }),
      expect.objectContaining({ day: DAY2, currency: 'USD', orders: 1, units: 4, revenue: 2100 }),
    ]);
    expect(dump.customer_summaries).toEqual([
      expect.objectContaining({
        customer_id: 'alice',
        currency: 'EUR',
        orders: 3,
        confirmed: 1,
        cancelled: 1,
        failed: 0,
        spent: 3000,
      }),
      expect.objectContaining({
        customer_id: 'bob',
        currency: 'EUR',
        orders: 1,
        confirmed: 0,
        cancelled: 0,
        failed: 1,
        spent: 0,
      }),
      expect.objectContaining({ customer_id: 'bob', currency: 'USD', orders: 1, confirmed: 1, spent: 2100 }),
    ]);
  });

  it('is unchanged by the same batch applied again (replay)', async () => {
    const before = await dumpReadModel(main.pool);

    const response = await handler(toStreamEvent(history), ctx());

    expect(response.batchItemFailures).toEqual([]);
    expect(await dumpReadModel(main.pool)).toEqual(before);
  });

  it('builds an identical read model from the batch in reverse order', async () => {
    const reversedDb = await otherReadModel();
    const project = await projectorFor(reversedDb);

    const response = await project(toStreamEvent([...history].reverse()), ctx());

    expect(response.batchItemFailures).toEqual([]);
    expect(await dumpReadModel(reversedDb.pool)).toEqual(await dumpReadModel(main.pool));
  });

  it('builds an identical read model from one-record batches in a scrambled order, each delivered twice', async () => {
    const scrambledDb = await otherReadModel();
    const project = await projectorFor(scrambledDb);
    // A fixed permutation (stride 3 over 14 records), so a failure reproduces.
    const order = history.map((_, i) => history[(i * 3) % history.length]!);

    for (const record of [...order, ...order]) {
      const response = await project(toStreamEvent([record]), ctx());
      expect(response.batchItemFailures).toEqual([]);
    }

    expect(await dumpReadModel(scrambledDb.pool)).toEqual(await dumpReadModel(main.pool));
  });

  it('loses no order when two projectors recompute the same day at the same time', async () => {
    // Prepare: 40 confirmed orders of one day, projected as two interleaved streams of batches.
    const db = await otherReadModel();
    const projectA = await projectorFor(db);
    const projectB = await projectorFor(db);
    const day = '2026-11-25';
    const records: DynamoDBRecord[] = Array.from({ length: 40 }, (_, i) => ({
      eventName: 'INSERT',
      eventSourceARN: stream.streamArn,
      dynamodb: {
        SequenceNumber: String(1000 + i),
        Keys: { PK: { S: `ORDER#x${i}` }, SK: { S: 'ORDER' } },
        NewImage: marshall(
          orderItem({
            customerId: `c-${i % 3}`,
            status: 'CONFIRMED',
            createdAt: `${day}T10:00:${String(i).padStart(2, '0')}.000Z`,
          }),
        ) as never,
      },
    }));

    // Act
    for (let i = 0; i < 40; i += 4) {
      await Promise.all([
        projectA(toStreamEvent(records.slice(i, i + 2)), ctx()),
        projectB(toStreamEvent(records.slice(i + 2, i + 4)), ctx()),
      ]);
    }

    // Assess
    const { rows } = await db.pool.query(`SELECT orders FROM reporting.daily_sales WHERE day = $1`, [day]);
    expect(rows).toEqual([{ orders: 40 }]);
    const summaries = await db.pool.query(`SELECT sum(orders)::int AS n FROM reporting.customer_summaries`);
    expect(summaries.rows).toEqual([{ n: 40 }]);
  });

  it('parks a record that breaks the item contract in the failure queue and projects the rest (X7)', async () => {
    // Prepare: a real write whose item lacks `version`.
    const good = orderId();
    const bad = orderId();
    const { version: _drop, ...broken } = orderItem({ orderId: bad, customerId: 'carol' });
    await put(broken);
    await put(orderItem({ orderId: good, customerId: 'carol' }));
    const records = await stream.waitFor(2);

    // Act
    const response = await handler(toStreamEvent(records), ctx());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const parked = await drainQueue(queueUrl);
    expect(parked).toHaveLength(1);
    expect(JSON.parse(parked[0]!.Body!)).toMatchObject({
      kind: 'PoisonStreamRecord',
      sequenceNumber: records[0]!.dynamodb!.SequenceNumber,
      failure: { kind: 'permanent', reason: expect.stringMatching(/^PermanentError: /) },
    });
    expect(parked[0]!.MessageAttributes?.['failure.kind']?.StringValue).toBe('permanent');
    const { rows } = await main.pool.query('SELECT order_id FROM reporting.orders WHERE customer_id = $1', [
      'carol',
    ]);
    expect(rows).toEqual([{ order_id: good }]);
  });

  it('reports every record as a batch item failure when the database is unreachable', async () => {
    const unreachable = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:9/none',
      connectionTimeoutMillis: 500,
    });
    const project = makeHandler({
      applyRows: buildApplyRows(unreachable),
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
    });
    const batch = history.slice(0, 5);

    const response = await project(toStreamEvent(batch), ctx());

    expect(response.batchItemFailures).toEqual(
      batch.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber })),
    );
    await unreachable.end();
  });
});
