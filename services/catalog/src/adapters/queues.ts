/**
 * SQS adapters: the chunks queue (fan-out), the finalize FIFO queue (fan-in, one message
 * group per job) and inventory's stock adjustments FIFO queue (P15).
 */
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { adjustmentMessage } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import type { RequestFinalize, SendAdjustments, SendChunk } from '../domain/ports';
import { DEFAULT_RETRY, sendInGroups, type BatchStats, type RetryOptions } from './retry';

const attribute = (value: string) => ({ DataType: 'String', StringValue: value });

export function buildSendChunk(sqs: SQSClient, queueUrl: string, correlationId: () => string): SendChunk {
  return async (chunk) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(chunk),
        MessageAttributes: {
          jobId: attribute(chunk.jobId),
          chunk: { DataType: 'Number', StringValue: String(chunk.index) },
          correlationId: attribute(correlationId()),
        },
      }),
    );
  };
}

/**
 * One message group per job (the finaliser never runs twice at once for a job) and the
 * job id as deduplication id (asked by several workers within 5 minutes: one message).
 */
export function buildRequestFinalize(
  sqs: SQSClient,
  queueUrl: string,
  correlationId: () => string,
): RequestFinalize {
  return async (jobId) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ jobId }),
        MessageGroupId: jobId,
        MessageDeduplicationId: jobId,
        MessageAttributes: { correlationId: attribute(correlationId()) },
      }),
    );
  };
}

/** setTo adjustments, 10 per SendMessageBatch, failed entries re-sent with back-off. */
export function buildSendAdjustments(
  sqs: SQSClient,
  queueUrl: string,
  correlationId: () => string,
  opts: { concurrency: number; retry?: RetryOptions; stats?: BatchStats } = { concurrency: 4 },
): SendAdjustments {
  return async (adjustments) => {
    const entries: SendMessageBatchRequestEntry[] = adjustments.map((a, i) => {
      const m = adjustmentMessage(a);
      return {
        Id: String(i),
        ...m,
        MessageAttributes: { ...m.MessageAttributes, correlationId: attribute(correlationId()) },
      };
    });
    await sendInGroups(
      entries,
      { size: 10, concurrency: opts.concurrency, retry: opts.retry ?? DEFAULT_RETRY, stats: opts.stats },
      async (group) => {
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: group }));
        const failed = new Set((out.Failed ?? []).filter((f) => !f.SenderFault).map((f) => f.Id));
        const rejected = (out.Failed ?? []).filter((f) => f.SenderFault);
        if (rejected.length)
          throw new Error(
            `Stock adjustments refused: ${rejected.map((f) => `${f.Id}: ${f.Message}`).join('; ')}`,
          );
        return group.filter((e) => failed.has(e.Id));
      },
    );
  };
}
