import { describe, expect, it, vi } from 'vitest';
import type { SQSRecord } from 'aws-lambda';

process.env.PRODUCTS_TABLE_NAME = 'unit-products';
process.env.JOBS_TABLE_NAME = 'unit-jobs';
process.env.STOCK_ADJUSTMENTS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/stock.fifo';
process.env.FINALIZE_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/finalize.fifo';
process.env.CHUNKS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/chunks-dlq';

const { makeHandler, parseChunk } = await import('./import-chunk');

const chunk = {
  jobId: 'a'.repeat(32),
  index: 3,
  etag: 'e',
  rows: [{ line: 2, sku: 'MUG-1', name: 'Mug', kind: 'physical', prices: { EUR: 100 } }],
};
const record = (body: unknown): SQSRecord =>
  ({
    messageId: `m-${Math.random()}`,
    receiptHandle: 'r',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:chunks',
  }) as unknown as SQSRecord;
const context = (remaining: number) => ({ getRemainingTimeInMillis: () => remaining }) as never;
const done = {
  duplicate: false,
  counts: { created: 1, updated: 0, unchanged: 0, stockAdjustments: 0 },
  written: 1,
};

describe('importChunk (worker)', () => {
  it('processes a chunk and acknowledges it', async () => {
    const process = vi.fn(async () => done);
    const response = await makeHandler({ process, deadLetter: vi.fn() })(
      { Records: [record(chunk)] },
      context(60_000),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(process).toHaveBeenCalledWith(chunk);
  });

  it('sends a message that is not a chunk to the DLQ at once and acknowledges it', async () => {
    const deadLetter = vi.fn(async () => undefined);
    const process = vi.fn(async () => done);
    const bad = record({ ...chunk, rows: [{ sku: 'lower' }] });
    const response = await makeHandler({ process, deadLetter })(
      { Records: [bad, record('{oops')] },
      context(60_000),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetter).toHaveBeenCalledTimes(2);
    expect(process).not.toHaveBeenCalled();
  });

  it('leaves the chunk for another delivery on any other failure, or when too little time is left (X8)', async () => {
    const failing = makeHandler({
      process: async () => {
        throw new Error('throttled');
      },
      deadLetter: vi.fn(),
    });
    const r = record(chunk);
    expect((await failing({ Records: [r] }, context(60_000))).batchItemFailures).toEqual([
      { itemIdentifier: r.messageId },
    ]);
    const process = vi.fn(async () => done);
    const late = await makeHandler({ process, deadLetter: vi.fn() })({ Records: [r] }, context(5_000));
    expect(late.batchItemFailures).toHaveLength(1);
    expect(process).not.toHaveBeenCalled();
  });

  it('parses what the splitter sends and nothing else', () => {
    expect(parseChunk(JSON.stringify(chunk))).toEqual(chunk);
    expect(() => parseChunk('[]')).toThrow(/Not an import chunk/);
  });
});
