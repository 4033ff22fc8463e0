/**
 * The one DLQ format, round trip: what a consumer parks (shared/src/consumers) is what the
 * replay command (tooling/dlq/replay.ts) sends back to the source, minus exactly the
 * failure attributes, so the replayed message is the original one.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deadLetterAttributes, FAILURE_ATTRIBUTES } from '../shared/src/consumers/dlq-format';
import { replayEntry } from '../tooling/dlq/replay';

const at = new Date('2026-01-02T03:04:05.000Z');

function record(attrs: Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>) {
  return {
    messageId: 'm-1',
    body: '{"orderId":"o-1"}',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:payments',
    messageAttributes: attrs,
    attributes: {},
  } as unknown as SQSRecord;
}

/** What SQS hands the replay when it receives the parked message. */
function received(r: SQSRecord, attributes: Record<string, MessageAttributeValue>): Message {
  return { MessageId: 'dlq-1', Body: r.body, MessageAttributes: attributes, ReceiptHandle: 'rh' };
}

describe('DLQ format round trip', () => {
  it('keeps the original body and attributes and puts the failure under failure.*', () => {
    const original = record({
      correlationId: { dataType: 'String', stringValue: 'c-1' },
      version: { dataType: 'Number', stringValue: '2' },
      blob: { dataType: 'Binary', binaryValue: Buffer.from('raw').toString('base64') },
    });

    const parked = deadLetterAttributes(original, { kind: 'permanent', reason: 'PermanentError: bad' }, at);
    const replayed = replayEntry(received(original, parked), 0, false);

    expect(parked[FAILURE_ATTRIBUTES.reason]?.StringValue).toBe('PermanentError: bad');
    expect(parked[FAILURE_ATTRIBUTES.kind]?.StringValue).toBe('permanent');
    expect(parked[FAILURE_ATTRIBUTES.at]?.StringValue).toBe(at.toISOString());
    expect(parked[FAILURE_ATTRIBUTES.sourceArn]?.StringValue).toBe(original.eventSourceARN);
    expect(parked[FAILURE_ATTRIBUTES.sourceId]?.StringValue).toBe('m-1');
    expect(replayed.MessageBody).toBe(original.body);
    expect(replayed.MessageAttributes).toEqual({
      correlationId: { DataType: 'String', StringValue: 'c-1' },
      version: { DataType: 'Number', StringValue: '2' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from('raw') },
    });
  });

  it('never drops an original attribute for ours: SQS allows ten in all', () => {
    const nine = Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`a${i}`, { dataType: 'String', stringValue: `${i}` }]),
    );

    const parked = deadLetterAttributes(record(nine), { kind: 'poison', reason: 'not JSON' }, at);

    expect(Object.keys(parked)).toEqual([...Object.keys(nine), FAILURE_ATTRIBUTES.reason]);
  });

  it('also strips the names used before this format, and a message without attributes replays bare', () => {
    const legacy: Record<string, MessageAttributeValue> = {
      failureReason: { DataType: 'String', StringValue: 'old billing/inventory reason' },
      sourceQueueArn: { DataType: 'String', StringValue: 'arn:aws:sqs:us-east-1:1:q' },
      sourceMessageId: { DataType: 'String', StringValue: 'm-0' },
      'failure-reason': { DataType: 'String', StringValue: 'old webhook reason' },
      'failure-at': { DataType: 'String', StringValue: at.toISOString() },
      correlationId: { DataType: 'String', StringValue: 'c-9' },
    };
    const bare = record({});

    expect(replayEntry(received(bare, legacy), 0, false).MessageAttributes).toEqual({
      correlationId: { DataType: 'String', StringValue: 'c-9' },
    });
    const parked = deadLetterAttributes(bare, { kind: 'poison', reason: 'x' }, at);
    expect(replayEntry(received(bare, parked), 0, false)).not.toHaveProperty('MessageAttributes');
  });

  it('keeps a FIFO message in its group', () => {
    const parked: Message = {
      MessageId: 'dlq-1',
      Body: '{}',
      Attributes: { MessageGroupId: 'sku-1', MessageDeduplicationId: 'm-1' },
    };

    expect(replayEntry(parked, 3, true)).toMatchObject({
      Id: '3',
      MessageGroupId: 'sku-1',
      MessageDeduplicationId: 'm-1',
    });
  });
});
