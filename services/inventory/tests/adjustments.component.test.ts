/**
 * The FIFOer (P15) over moto SQS FIFO and DynamoDB: queues created from the template,
 * the real consumer driven by a miniature event source mapping (tests/support.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDeadLetter } from '@order-platform/shared/consumers/dead-letter';
import {
  adjustmentMessage,
  type StockAdjustmentV1,
} from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import {
  buildApplyAdjustment,
  buildGetStockLevels,
  buildSetStock,
  documentClient,
} from '../src/adapters/stock-table';
import { applyStockAdjustment } from '../src/domain/use-cases';
import { startSerialGate, type SerialGate } from '@order-platform/test-support/serial-gate';
import {
  createFifoQueuesFromTemplate,
  createTableFromTemplate,
  queueDepth,
  runEventSourceMapping,
  unique,
  type FifoPair,
} from './support';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let gate: SerialGate;
let sqsGate: SerialGate;
let sqs: SQSClient;
let table: string;
let doc: ReturnType<typeof documentClient>;
let deployed: Handler;
let badQueue: FifoPair;
let consumer: typeof import('../src/handlers/apply-adjustments');

const at = '2026-11-22T09:00:00.000Z';
let n = 0;
const adj = (
  sku: string,
  change: { delta: number } | { setTo: number },
  id = unique(`adj${++n}`),
): StockAdjustmentV1 => ({
  adjustmentId: id,
  sku,
  reason: 'setTo' in change ? 'cycle count' : 'restock',
  occurredAt: at,
  ...change,
});
const levelOf = async (sku: string) => (await buildGetStockLevels(doc, table)([sku]))[0];

async function send(queue: FifoPair, adjustments: StockAdjustmentV1[]) {
  // One SendMessage per adjustment, in order: SQS FIFO orders a group by arrival.
  for (const a of adjustments)
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, ...adjustmentMessage(a) }));
}

/** The consumer with real adapters, recording the order in which adjustments were applied. */
function recordingHandler(queue: FifoPair, log: string[]): Handler {
  const apply = applyStockAdjustment(buildApplyAdjustment(doc, table), () => new Date());
  return consumer.makeHandler({
    apply: async (a) => {
      const outcome = await apply(a);
      log.push(`${a.sku}:${a.adjustmentId}:${outcome}`);
      return outcome;
    },
    deadLetter: buildDeadLetter(sqs, queue.dlqUrl),
  });
}

beforeAll(async () => {
  gate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
  sqsGate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_SQS = sqsGate.url;
  const client = new DynamoDBClient({});
  sqs = new SQSClient({});
  table = unique('inventory-adj');
  await createTableFromTemplate('InventoryTable', table);
  doc = documentClient(client);
  // The deployed handler reads its configuration once, at import.
  badQueue = await createFifoQueuesFromTemplate(sqs, unique('adj-bad'));
  process.env.TABLE_NAME = table;
  process.env.DLQ_URL = badQueue.dlqUrl;
  consumer = await import('../src/handlers/apply-adjustments');
  deployed = consumer.handler as unknown as Handler;
});

afterAll(async () => {
  await sqsGate.stop();
  await gate.stop();
});

describe('stock adjustments through the FIFO queue', () => {
  it('applies each SKU strictly in send order while SKUs run in parallel', async () => {
    // Prepare: 3 SKUs x 8 order-sensitive adjustments, interleaved on the queue
    const queue = await createFifoQueuesFromTemplate(sqs, unique('adj-order'));
    const skus = ['ORD-A', 'ORD-B', 'ORD-C'];
    const plan: StockAdjustmentV1[][] = skus.map((sku) => [
      adj(sku, { setTo: 10 }),
      adj(sku, { delta: 5 }),
      adj(sku, { setTo: 3 }),
      adj(sku, { delta: 4 }),
      adj(sku, { delta: -2 }),
      adj(sku, { setTo: 20 }),
      adj(sku, { delta: -20 }),
      adj(sku, { delta: 7 }),
    ]);
    const interleaved = plan[0]!.flatMap((_, i) => plan.map((p) => p[i]!));
    await send(queue, interleaved);
    const log: string[] = [];
    // Act: three concurrent pollers, as Lambda scales out across message groups
    await runEventSourceMapping(sqs, queue, recordingHandler(queue, log), { pollers: 3 });
    // Assess: per SKU, the applied order is the send order, and the result only that order gives
    for (const [i, sku] of skus.entries()) {
      expect(log.filter((l) => l.startsWith(`${sku}:`))).toEqual(
        plan[i]!.map((a) => `${sku}:${a.adjustmentId}:applied`),
      );
      expect(await levelOf(sku)).toMatchObject({ available: 7, reserved: 0, version: 8 });
    }
  });

  it('applies a duplicate adjustmentId once, whether SQS or the consumer catches it', async () => {
    const queue = await createFifoQueuesFromTemplate(sqs, unique('adj-dup'));
    const first = adj('DUP-A', { delta: 5 });
    // Within 5 minutes SQS drops the repeat (same MessageDeduplicationId)...
    await send(queue, [first, first]);
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(1);
    // ...a later redelivery (new dedup id, same adjustmentId) reaches the consumer, which skips it.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        ...adjustmentMessage(first),
        MessageDeduplicationId: `${first.adjustmentId}-late`,
      }),
    );
    const log: string[] = [];
    await runEventSourceMapping(sqs, queue, recordingHandler(queue, log));
    expect(log).toEqual([`DUP-A:${first.adjustmentId}:applied`, `DUP-A:${first.adjustmentId}:duplicate`]);
    expect(await levelOf('DUP-A')).toMatchObject({ available: 5, version: 1 });
  });

  it("a failing adjustment holds back only its own SKU; after maxReceiveCount it goes to the DLQ with the SKU's held-back messages, in order", async () => {
    // Prepare: BLK-B starts at 10; its first adjustment (-100) cannot apply
    const queue = await createFifoQueuesFromTemplate(sqs, unique('adj-block'));
    await buildSetStock(doc, table)('BLK-B', 10, new Date().toISOString());
    const bad = adj('BLK-B', { delta: -100 });
    const heldBack = [adj('BLK-B', { delta: 5 }), adj('BLK-B', { delta: 7 })];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: [
          adj('BLK-A', { delta: 1 }),
          bad,
          adj('BLK-A', { delta: 2 }),
          heldBack[0]!,
          heldBack[1]!,
          adj('BLK-A', { delta: 3 }),
        ].map((a, i) => ({
          Id: String(i),
          ...adjustmentMessage(a),
        })),
      }),
    );
    const log: string[] = [];
    const handler = recordingHandler(queue, log);
    // Act 1: run until BLK-A is done
    await runEventSourceMapping(sqs, queue, handler, {
      until: async () => (await levelOf('BLK-A'))?.available === 6,
    });
    // Assess 1: BLK-A fully applied; BLK-B untouched, its later messages still queued behind the bad one
    expect(await levelOf('BLK-A')).toMatchObject({ available: 6, version: 3 });
    expect(await levelOf('BLK-B')).toMatchObject({ available: 10 });
    expect(log.filter((l) => l.startsWith('BLK-B:'))).toEqual([]);
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(3);
    // Act 2: keep polling until the queue gives up on the bad one (maxReceiveCount deliveries)
    await runEventSourceMapping(sqs, queue, handler, { maxRounds: 4 * queue.maxReceiveCount });
    // Assess 2: the messages delivered behind it were failed with it every time, so they
    // reach the DLQ together, in order: BLK-B never sees +5/+7 applied without the -100.
    expect(log.filter((l) => l.startsWith('BLK-B:'))).toEqual([]);
    expect(await levelOf('BLK-B')).toMatchObject({ available: 10 });
    const parked = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10 }),
    );
    expect(parked.Messages?.map((m) => JSON.parse(m.Body!).adjustmentId)).toEqual(
      [bad, ...heldBack].map((a) => a.adjustmentId),
    );
    // Act 3 / Assess 3: the SKU's group is free again for new adjustments
    const next = adj('BLK-B', { delta: 1 });
    await send(queue, [next]);
    await runEventSourceMapping(sqs, queue, handler);
    expect(await levelOf('BLK-B')).toMatchObject({ available: 11 });
  });

  it('the deployed handler parks a malformed message in the DLQ at once and goes on with its SKU', async () => {
    const queue = badQueue;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: '{"sku":"BAD-A","delta":"lots"}',
        MessageGroupId: 'BAD-A',
        MessageDeduplicationId: 'bad-1',
      }),
    );
    await send(queue, [adj('BAD-A', { delta: 4 })]);
    await runEventSourceMapping(sqs, queue, deployed);
    expect(await levelOf('BAD-A')).toMatchObject({ available: 4 });
    const parked = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.dlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(parked.Messages).toHaveLength(1);
    expect(parked.Messages![0]!.MessageAttributes?.['failure.reason']?.StringValue).toContain(
      'Invalid adjustment',
    );
  });
});
