/**
 * Parks a stream record that can never be projected (it breaks the item contract) in the
 * projector's failure queue, the same queue that receives the event source mapping's
 * on-failure records, so one alarm and one replay tool cover both.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkPoison } from '../domain/ports';

export function buildParkPoison(sqs: SQSClient, queueUrl: string): ParkPoison {
  return async (item, error) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          kind: 'PoisonStreamRecord',
          sequenceNumber: item.id,
          streamArn: item.source,
          error: { name: error.name, message: error.message },
          change: item.change,
        }),
      }),
    );
  };
}
