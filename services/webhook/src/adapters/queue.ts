import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
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
