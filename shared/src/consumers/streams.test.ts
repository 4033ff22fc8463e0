import { describe, expect, it } from 'vitest';
import { PermanentError } from '../errors';
import { dynamoStreamConsumer, kinesisStreamConsumer } from './streams';
import { context, dynamoRecord, failedIds, kinesisRecord } from './test-records';

const labelOf = (r: { dynamodb?: { NewImage?: Record<string, { S?: string }> } }) =>
  r.dynamodb?.NewImage?.label?.S ?? '';

describe('dynamoStreamConsumer', () => {
  it('stops at the first failure: that record and every later one are reported', async () => {
    const handled: string[] = [];
    const handler = dynamoStreamConsumer({
      handle: async (r) => {
        if (labelOf(r) === 'b') throw new Error('bus down');
        handled.push(labelOf(r));
      },
    });
    const records = ['a', 'b', 'c'].map(dynamoRecord);

    const response = await handler({ Records: records }, context());

    expect(handled).toEqual(['a']);
    expect(failedIds(response)).toEqual(['b', 'c'].map((_, i) => records[i + 1]!.dynamodb!.SequenceNumber!));
  });

  it('parks a record that can never succeed and goes on; without a park it stops there', async () => {
    const parked: string[] = [];
    const handle = async (r: Parameters<typeof labelOf>[0]) => {
      if (labelOf(r) === 'bad') throw new PermanentError('breaks the contract');
    };
    const records = ['a', 'bad', 'c'].map(dynamoRecord);

    const withPark = dynamoStreamConsumer({ handle, park: async (r) => void parked.push(labelOf(r)) });
    const without = dynamoStreamConsumer({ handle });

    expect(failedIds(await withPark({ Records: records }, context()))).toEqual([]);
    expect(parked).toEqual(['bad']);
    expect(failedIds(await without({ Records: records }, context()))).toHaveLength(2);
  });

  it('reports everything from the record the time guard refused', async () => {
    let remaining = 60_000;
    const handler = dynamoStreamConsumer({
      timeGuardMs: 1_000,
      handle: async () => {
        remaining = 10;
      },
    });
    const records = ['a', 'b', 'c'].map(dynamoRecord);

    const response = await handler(
      { Records: records },
      context(() => remaining),
    );

    expect(failedIds(response)).toEqual([
      records[1]!.dynamodb!.SequenceNumber,
      records[2]!.dynamodb!.SequenceNumber,
    ]);
  });
});

describe('kinesisStreamConsumer', () => {
  it('stops only the shard that failed', async () => {
    const handled: string[] = [];
    const handler = kinesisStreamConsumer({
      handle: async (r) => {
        const label = Buffer.from(r.kinesis.data, 'base64').toString();
        if (label === 'x2') throw new Error('throttled');
        handled.push(label);
      },
    });
    const records = [
      kinesisRecord('shard-x', 'x1'),
      kinesisRecord('shard-y', 'y1'),
      kinesisRecord('shard-x', 'x2'),
      kinesisRecord('shard-y', 'y2'),
      kinesisRecord('shard-x', 'x3'),
    ];

    const response = await handler({ Records: records }, context());

    expect(handled).toEqual(['x1', 'y1', 'y2']);
    expect(failedIds(response)).toEqual([
      records[2]!.kinesis.sequenceNumber,
      records[4]!.kinesis.sequenceNumber,
    ]);
  });
});
