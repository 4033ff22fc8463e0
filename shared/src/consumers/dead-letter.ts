/**
 * Parks a record that can never succeed in the consumer's DLQ (the same queue SQS
 * redrives to after maxReceiveCount), in the one format of ./dlq-format.ts. A FIFO DLQ
 * gets the record's own group and one deduplication id per source message, so a retried
 * park is not parked twice.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { deadLetterAttributes } from './dlq-format';
import type { Failure } from './failures';

/** Port: park one record with why it failed. If this throws, the record is retried. */
export type DeadLetter = (record: SQSRecord, failure: Failure) => Promise<void>;

export function buildDeadLetter(
  client: SQSClient,
  deadLetterQueueUrl: string,
  now: () => Date = () => new Date(),
): DeadLetter {
  const fifo = deadLetterQueueUrl.endsWith('.fifo');
  return async (record, failure) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: deadLetterAttributes(record, failure, now()),
        ...(fifo
          ? {
              MessageGroupId: record.attributes.MessageGroupId ?? 'unknown',
              MessageDeduplicationId: record.messageId,
            }
          : {}),
      }),
    );
  };
}
