/**
 * DynamoDB and Kinesis stream consumers (X6, X7, X8), built on Powertools batch. A stream
 * is ordered per shard and Lambda resumes a shard at the lowest reported sequence number,
 * so records run one by one and the first failure stops its shard: that record and every
 * later one of the shard are reported, nothing after it is done in this invocation.
 *
 * A record that can never succeed is parked (when the consumer has somewhere to park it)
 * and counts as handled, so it does not block its shard; without a park it stops the
 * shard like any failure and the mapping's retry budget and on-failure destination apply.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import type { Failure } from './failures';
import { guardedRecordHandler, logLeftOver } from './record';
import { DEFAULT_TIME_GUARD_MS, HeldBackError, timeGuard } from './time-guard';

export interface StreamConsumerOptions<R> {
  /** Does the work of one record; throws PermanentError/PoisonMessageError for what can never succeed. */
  handle: (record: R) => Promise<void>;
  /** Parks a record that can never succeed (a failure queue); see above for without. */
  park?: (record: R, failure: Failure) => Promise<void>;
  timeGuardMs?: number;
  /** The record's correlation id; by default a fresh one (the handler sets it from the payload). */
  correlationId?: (record: R) => string | undefined;
}

interface StreamKind<R> {
  eventType: (typeof EventType)[keyof typeof EventType];
  shardOf: (record: R) => string;
  describe: (record: R) => Record<string, unknown>;
}

function streamConsumer<R extends DynamoDBRecord | KinesisStreamRecord>(
  kind: StreamKind<R>,
  opts: StreamConsumerOptions<R>,
) {
  return async (event: { Records: R[] }, context: Context) => {
    const stopped = new Set<string>();
    const run = guardedRecordHandler<R>(
      {
        handle: opts.handle,
        correlationId: opts.correlationId ?? (() => undefined),
        park: opts.park,
        describe: kind.describe,
      },
      timeGuard(() => context.getRemainingTimeInMillis(), opts.timeGuardMs ?? DEFAULT_TIME_GUARD_MS),
    );
    const perRecord = async (record: R) => {
      const shard = kind.shardOf(record);
      if (stopped.has(shard))
        throw new HeldBackError('An earlier record of this shard failed; held back for the retry');
      try {
        await run(record);
      } catch (error) {
        stopped.add(shard);
        throw error;
      }
    };
    const response = await processPartialResponse(event, perRecord, new BatchProcessor(kind.eventType), {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    logLeftOver(response.batchItemFailures.length, event.Records.length);
    return response;
  };
}

export function dynamoStreamConsumer(
  opts: StreamConsumerOptions<DynamoDBRecord>,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  return streamConsumer<DynamoDBRecord>(
    {
      eventType: EventType.DynamoDBStreams,
      // One invocation reads one shard of one stream; the stream ARN keeps two apart anyway.
      shardOf: (r) => r.eventSourceARN ?? '',
      describe: (r) => ({ sequenceNumber: r.dynamodb?.SequenceNumber }),
    },
    opts,
  );
}

export function kinesisStreamConsumer(
  opts: StreamConsumerOptions<KinesisStreamRecord>,
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  return streamConsumer<KinesisStreamRecord>(
    {
      eventType: EventType.KinesisDataStreams,
      // eventID is "<shardId>:<sequenceNumber>".
      shardOf: (r) => `${r.eventSourceARN}/${r.eventID.split(':')[0]}`,
      describe: (r) => ({ sequenceNumber: r.kinesis.sequenceNumber }),
    },
    opts,
  );
}
