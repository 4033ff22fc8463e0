/**
 * Helpers for the inventory component tests: resources are created from the packaged
 * CloudFormation template itself (so tests and deployment never describe a table or a
 * queue twice), plus a small stand-in for Lambda's SQS event source mapping.
 */
import { randomBytes } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createTableFromTemplate as createFromTemplate } from '@order-platform/test-support/aws';
import { loadTemplate, resource } from '@order-platform/test-support/template';

export const STACK = 'services/inventory';

export { newOrderId, uniqueName as unique } from '@order-platform/test-support/aws';

/** A table with the key schema of this stack's packaged template resource. */
export const createTableFromTemplate = (logicalId: string, tableName: string) =>
  createFromTemplate(STACK, logicalId, tableName);

export interface FifoPair {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  maxReceiveCount: number;
}

/** The FIFO queue and its DLQ with the template's attributes (names made unique). */
export async function createFifoQueuesFromTemplate(sqs: SQSClient, prefix: string): Promise<FifoPair> {
  const t = loadTemplate(STACK);
  const q = resource(t, 'StockAdjustmentsQueue').Properties!;
  const d = resource(t, 'StockAdjustmentsDlq').Properties!;
  const attrs = (p: Record<string, unknown>) => ({
    FifoQueue: String(p.FifoQueue),
    ContentBasedDeduplication: String(p.ContentBasedDeduplication),
    ...(p.VisibilityTimeout ? { VisibilityTimeout: String(p.VisibilityTimeout) } : {}),
    MessageRetentionPeriod: String(p.MessageRetentionPeriod),
  });
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${prefix}-dlq.fifo`, Attributes: attrs(d) }),
  );
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const maxReceiveCount = Number(q.RedrivePolicy.maxReceiveCount);
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}.fifo`,
      Attributes: {
        ...attrs(q),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return {
    queueUrl: main.QueueUrl!,
    queueArn: await queueArn(sqs, main.QueueUrl!),
    dlqUrl: dlq.QueueUrl!,
    maxReceiveCount,
  };
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes!.ApproximateNumberOfMessages) +
    Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible)
  );
}

export function fakeContext(remainingMs = 10_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '256',
    awsRequestId: randomBytes(8).toString('hex'),
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * What Lambda's SQS event source mapping does, in miniature: `pollers` concurrent loops
 * receive up to 10 messages, call the handler, delete what succeeded. One shortcut: a
 * failed message is made visible again at once instead of after the visibility timeout,
 * so retries (and the redrive to the DLQ after maxReceiveCount) take rounds, not minutes.
 * The queue (moto) keeps FIFO semantics: it never hands out a group's message while an
 * earlier one of the same group is in flight.
 */
export async function runEventSourceMapping(
  sqs: SQSClient,
  queue: { queueUrl: string; queueArn: string },
  handler: SqsHandler,
  opts: { pollers?: number; maxRounds?: number; until?: () => Promise<boolean> } = {},
): Promise<{ rounds: number; batches: number }> {
  let rounds = 0;
  let batches = 0;
  const maxRounds = opts.maxRounds ?? 50;
  const done = async () => (opts.until ? opts.until() : (await queueDepth(sqs, queue.queueUrl)) === 0);
  const poll = async () => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (!messages.length) return;
    batches++;
    const records: SQSRecord[] = messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: m.Attributes as unknown as SQSRecord['attributes'],
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { dataType: v.DataType!, stringValue: v.StringValue },
        ]),
      ) as SQSRecord['messageAttributes'],
      md5OfBody: m.MD5OfBody!,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.queueArn,
      awsRegion: 'us-east-1',
    }));
    const response = await handler({ Records: records }, fakeContext());
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const ok = records.filter((r) => !failed.has(r.messageId));
    const retry = records.filter((r) => failed.has(r.messageId));
    if (ok.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: ok.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    if (retry.length) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: retry.map((r, i) => ({
            Id: String(i),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  };
  while (rounds < maxRounds && !(await done())) {
    rounds++;
    await Promise.all(Array.from({ length: opts.pollers ?? 2 }, poll));
  }
  return { rounds, batches };
}
