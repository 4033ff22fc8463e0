import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { EnqueueLedgerMessage } from '../domain/ports';

const stringAttrs = (attrs: Record<string, string>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));

export function buildEnqueueLedgerMessage(client: SQSClient, queueUrl: string): EnqueueLedgerMessage {
  return async (message, attributes) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: stringAttrs(attributes),
      }),
    );
  };
}

/** Sends a record that can never succeed to the DLQ now (P25); the caller then acknowledges it. */
export type SendToDlq = (record: SQSRecord, reason: string) => Promise<void>;

/** SQS allows 10 attributes per message: the originals keep up to 7, ours take 3. */
const MAX_KEPT_ATTRIBUTES = 7;
export const FAILURE_ATTRIBUTES = ['failure-reason', 'failure-source-message-id', 'failure-at'] as const;

export function buildSendToDlq(
  client: SQSClient,
  dlqUrl: string,
  now: () => Date = () => new Date(),
): SendToDlq {
  return async (record, reason) => {
    const kept: Record<string, MessageAttributeValue> = {};
    for (const [name, a] of Object.entries(record.messageAttributes ?? {})) {
      if (
        Object.keys(kept).length >= MAX_KEPT_ATTRIBUTES ||
        (FAILURE_ATTRIBUTES as readonly string[]).includes(name)
      )
        continue;
      if (a.stringValue !== undefined) kept[name] = { DataType: a.dataType, StringValue: a.stringValue };
    }
    await client.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: record.body,
        MessageAttributes: {
          ...kept,
          'failure-reason': { DataType: 'String', StringValue: reason.slice(0, 1000) || 'unknown' },
          'failure-source-message-id': { DataType: 'String', StringValue: record.messageId },
          'failure-at': { DataType: 'String', StringValue: now().toISOString() },
        },
      }),
    );
  };
}
