/**
 * Sends a record that can never succeed straight to the consumer's DLQ (the same queue
 * SQS redrives to after maxReceiveCount), keeping its body and attributes so a replay
 * (P26) can put it back on the source queue unchanged, plus why it failed.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetter } from '../events/billing/subscriber';

const MAX_ATTRIBUTES = 10;

function wireAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, a] of Object.entries(record.messageAttributes ?? {})) {
    out[name] =
      a.binaryValue !== undefined
        ? { DataType: a.dataType, BinaryValue: Buffer.from(a.binaryValue, 'base64') }
        : { DataType: a.dataType, StringValue: a.stringValue ?? '' };
  }
  return out;
}

export function buildDeadLetter(client: SQSClient, deadLetterQueueUrl: string): DeadLetter {
  return async (record, reason) => {
    const attributes = wireAttributes(record);
    const extra: Record<string, MessageAttributeValue> = {
      failureReason: { DataType: 'String', StringValue: `${reason.name}: ${reason.message}`.slice(0, 1024) },
      sourceQueueArn: { DataType: 'String', StringValue: record.eventSourceARN },
    };
    for (const [name, value] of Object.entries(extra)) {
      if (Object.keys(attributes).length < MAX_ATTRIBUTES) attributes[name] = value;
    }
    await client.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
      }),
    );
  };
}
