/**
 * SQS consumers (X7, X8), built on Powertools batch: a standard queue reports each failed
 * record on its own (partial batch response); a FIFO queue stops a message group at its
 * first failure, reporting that message and every later one of the group, so the group
 * comes back in order, while the other groups of the batch go on.
 */
import {
  BatchProcessor,
  EventType,
  SqsFifoPartialProcessorAsync,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetter } from './dead-letter';
import { guardedRecordHandler, logLeftOver } from './record';
import { DEFAULT_TIME_GUARD_MS, timeGuard } from './time-guard';

export interface SqsConsumerOptions {
  /** Does the work of one record; throws PermanentError/PoisonMessageError for what can never succeed. */
  handle: (record: SQSRecord) => Promise<void>;
  /** Where records that can never succeed go at once (buildDeadLetter). */
  deadLetter: DeadLetter;
  /** Start no record with less than this left of the invocation. */
  timeGuardMs?: number;
  /** The record's correlation id; by default the producer's `correlationId` attribute, else the message id. */
  correlationId?: (record: SQSRecord) => string | undefined;
}

export interface StandardSqsOptions extends SqsConsumerOptions {
  /** Start all records at once (a writer that batches them) instead of one by one. */
  parallel?: boolean;
}

/** The correlation id a producer stamped on the message, if any. */
export function correlationAttribute(record: SQSRecord): string | undefined {
  return record.messageAttributes?.correlationId?.stringValue;
}

function recordHandler(opts: SqsConsumerOptions, context: Context) {
  return guardedRecordHandler<SQSRecord>(
    {
      handle: opts.handle,
      correlationId: opts.correlationId ?? ((r) => correlationAttribute(r) ?? r.messageId),
      park: opts.deadLetter,
      describe: (r) => ({ messageId: r.messageId }),
    },
    timeGuard(() => context.getRemainingTimeInMillis(), opts.timeGuardMs ?? DEFAULT_TIME_GUARD_MS),
  );
}

export function sqsConsumer(opts: StandardSqsOptions) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await processPartialResponse(
      event,
      recordHandler(opts, context),
      new BatchProcessor(EventType.SQS),
      // Every record failing is still a partial response: reported, not thrown.
      { context, processInParallel: opts.parallel ?? false, throwOnFullBatchFailure: false },
    );
    logLeftOver(response.batchItemFailures.length, event.Records.length);
    return response;
  };
}

export function sqsFifoConsumer(opts: SqsConsumerOptions) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await processPartialResponse(
      event,
      recordHandler(opts, context),
      new SqsFifoPartialProcessorAsync(),
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
    logLeftOver(response.batchItemFailures.length, event.Records.length);
    return response;
  };
}
