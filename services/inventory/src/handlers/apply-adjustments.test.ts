import { describe, expect, it, vi } from 'vitest';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

process.env.TABLE_NAME = 'unit-test-table';
process.env.DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/unit-dlq.fifo';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const { makeHandler } = await import('./apply-adjustments');

let seq = 0;
function record(sku: string, patch: Record<string, unknown> = { delta: 1 }, body?: string): SQSRecord {
  const id = `m${++seq}`;
  return {
    messageId: id,
    receiptHandle: id,
    body:
      body ??
      JSON.stringify({
        adjustmentId: `adj-${id}`,
        sku,
        reason: 'restock',
        occurredAt: '2026-11-22T09:00:00.000Z',
        ...patch,
      }),
    attributes: { MessageGroupId: sku } as unknown as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    awsRegion: 'us-east-1',
  };
}
const context = (remaining: number) => ({ getRemainingTimeInMillis: () => remaining }) as never;

describe('applyAdjustments (FIFO consumer)', () => {
  it('stops a SKU at its first failure and goes on with the other SKUs', async () => {
    // Prepare
    const seen: string[] = [];
    const handler = makeHandler({
      apply: async (a) => {
        seen.push(a.adjustmentId);
        if (a.delta === -99) throw new Error('rejected');
        return 'applied';
      },
      deadLetter: vi.fn(),
    });
    const event: SQSEvent = {
      Records: [
        record('SKU-A'),
        record('SKU-B', { delta: -99 }),
        record('SKU-A'),
        record('SKU-B'),
        record('SKU-C'),
      ],
    };
    // Act
    const response = await handler(event, context(10_000));
    // Assess: B's failure and B's later message come back; A and C were applied
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      event.Records[1]!.messageId,
      event.Records[3]!.messageId,
    ]);
    expect(seen).toEqual(['adj-m1', 'adj-m2', 'adj-m3', 'adj-m5']);
  });

  it('sends a message that can never succeed to the DLQ at once and acknowledges it', async () => {
    const deadLetter = vi.fn(async () => undefined);
    const apply = vi.fn(async () => 'applied' as const);
    const handler = makeHandler({ apply, deadLetter });
    const bad = record('SKU-A', {}, '{"sku":"A"}');
    const response = await handler({ Records: [bad, record('SKU-A')] }, context(10_000));
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetter).toHaveBeenCalledWith(bad, {
      kind: 'permanent',
      reason: expect.stringContaining('Invalid adjustment'),
    });
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('leaves every record for redelivery when the function is about to time out (X8)', async () => {
    const apply = vi.fn(async () => 'applied' as const);
    const handler = makeHandler({ apply, deadLetter: vi.fn() });
    const response = await handler({ Records: [record('SKU-A'), record('SKU-B')] }, context(500));
    expect(response.batchItemFailures).toHaveLength(2);
    expect(apply).not.toHaveBeenCalled();
  });
});
