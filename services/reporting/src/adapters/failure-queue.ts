/**
 * Parks a stream record that can never be projected (it breaks the item contract) in the
 * projector's failure queue, the same queue that receives the event source mapping's
 * on-failure records, so one alarm covers both. The failure is described by the
 * platform's failure.* attributes (shared/src/consumers/dlq-format.ts), like every
 * parked message; the body keeps the record itself.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { failureAttributes } from '@order-platform/shared/consumers/dlq-format';
import type { ParkPoison } from '../domain/ports';

export function buildParkPoison(sqs: SQSClient, queueUrl: string, now = () => new Date()): ParkPoison {
  return async (item, failure) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          kind: 'PoisonStreamRecord',
          sequenceNumber: item.id,
          streamArn: item.source,
          failure,
          change: item.change,
        }),
        MessageAttributes: failureAttributes(failure, now(), { sourceArn: item.source, sourceId: item.id }),
      }),
    );
  };
}
