/** Records and contexts for the toolkit's unit tests. */
import type { Context, DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda';

let n = 0;

export function sqsRecord(
  body: string,
  extra: { group?: string; attrs?: Record<string, string> } = {},
): SQSRecord {
  const id = ++n;
  return {
    messageId: `m-${id}`,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
      ...(extra.group ? { MessageGroupId: extra.group, SequenceNumber: String(id) } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(extra.attrs ?? {}).map(([k, v]) => [
        k,
        { dataType: 'String', stringValue: v, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: extra.group
      ? 'arn:aws:sqs:us-east-1:123456789012:q.fifo'
      : 'arn:aws:sqs:us-east-1:123456789012:q',
    awsRegion: 'us-east-1',
  } as SQSRecord;
}

export function dynamoRecord(label: string): DynamoDBRecord {
  const id = ++n;
  return {
    eventID: `e-${id}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/s',
    dynamodb: { SequenceNumber: `${id}`, NewImage: { label: { S: label } } },
  };
}

export function kinesisRecord(shard: string, label: string): KinesisStreamRecord {
  const id = ++n;
  return {
    eventID: `${shard}:${id}`,
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    eventName: 'aws:kinesis:record',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/r',
    awsRegion: 'us-east-1',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: label,
      sequenceNumber: `${id}`,
      data: Buffer.from(label).toString('base64'),
      approximateArrivalTimestamp: 0,
    },
  };
}

export const context = (remaining: () => number = () => 60_000) =>
  ({ getRemainingTimeInMillis: remaining, awsRequestId: 'r', functionName: 'f' }) as unknown as Context;

export const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);
