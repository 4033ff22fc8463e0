import { describe, expect, it, vi } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

vi.stubEnv('EVENT_BUS_NAME', 'unit-bus');
vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'unit-idempotency');
const { makeHandler, TIME_GUARD_MS } = await import('./publish-events');

const order = (version: number, status: string) => ({
  PK: 'ORDER#ord_01JABCDEFGHJKMNPQRSTVWXYZ0',
  SK: 'ORDER',
  entity: 'Order',
  orderId: 'ord_01JABCDEFGHJKMNPQRSTVWXYZ0',
  customerId: 'c-1',
  status,
  lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100, kind: 'physical' }],
  total: 100,
  currency: 'EUR',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version,
  correlationId: 'corr-1',
});

function record(
  seq: number,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): DynamoDBRecord {
  return {
    eventID: String(seq),
    eventName: before ? 'MODIFY' : 'INSERT',
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026',
    dynamodb: {
      SequenceNumber: String(seq),
      Keys: marshall({ PK: after.PK, SK: after.SK }) as never,
      NewImage: marshall(after) as never,
      ...(before ? { OldImage: marshall(before) as never } : {}),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const context = (remaining = 60_000) => ({ getRemainingTimeInMillis: () => remaining }) as unknown as Context;

const batch = (): DynamoDBStreamEvent => ({
  Records: [
    record(1, undefined, order(1, 'PLACED')),
    record(2, order(1, 'PLACED'), order(2, 'RESERVED')),
    record(3, order(2, 'RESERVED'), order(3, 'CANCELLED')),
  ],
});

describe('stream publisher', () => {
  it('publishes one event per meaningful change, in stream order', async () => {
    const published: string[] = [];
    const handler = makeHandler({ publishOnce: async (e) => published.push(e.metadata.eventType) });
    const res = await handler(batch(), context());
    expect(res.batchItemFailures).toEqual([]);
    expect(published).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('reports the failed record so Lambda resumes from it (partial batch response)', async () => {
    const handler = makeHandler({
      publishOnce: async (e) => {
        if (e.metadata.eventType === 'OrderCancelled') throw new Error('bus throttled');
      },
    });
    const res = await handler(batch(), context());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
  });

  it('publishes nothing after a failed record: the later changes wait for the retry', async () => {
    const published: string[] = [];
    const other = (version: number, status: string) => ({
      ...order(version, status),
      PK: 'ORDER#ord_01JABCDEFGHJKMNPQRSTVWXYZ9',
      orderId: 'ord_01JABCDEFGHJKMNPQRSTVWXYZ9',
    });
    const handler = makeHandler({
      publishOnce: async (e) => {
        if (
          e.metadata.eventType === 'OrderPlaced' &&
          e.metadata.idempotencyKey.startsWith('ord_01JABCDEFGHJKMNPQRSTVWXYZ0')
        )
          throw new Error('bus throttled');
        published.push(e.metadata.idempotencyKey);
      },
    });
    const res = await handler(
      {
        Records: [
          record(1, undefined, order(1, 'PLACED')),
          record(2, undefined, other(1, 'PLACED')),
          record(3, order(2, 'RESERVED'), order(3, 'CANCELLED')),
        ],
      },
      context(),
    );
    expect(published).toEqual([]);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '2', '3']);
  });

  it('stops taking records when the invocation is about to time out (X8)', async () => {
    const publishOnce = vi.fn(async () => undefined);
    const handler = makeHandler({ publishOnce });
    const res = await handler(batch(), context(TIME_GUARD_MS - 1));
    expect(publishOnce).not.toHaveBeenCalled();
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '2', '3']);
  });
});
