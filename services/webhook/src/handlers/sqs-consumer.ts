/**
 * The platform's SQS consumer loop for this service's queues (P25, X7, X8), used by the
 * ledger writer and the shipment recorder:
 * - Powertools BatchProcessor builds the partial batch response: a record whose
 *   handler throws is reported in batchItemFailures and comes back after the
 *   visibility timeout; the others are deleted by Lambda.
 * - A permanent failure is sent to the DLQ here and now, then acknowledged.
 * - Before each record, the remaining time is checked; with too little left the record
 *   fails as temporary and is retried instead of being cut off mid-write.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics } from '@order-platform/shared/observability';
import { OutOfTimeError, classifyFailure, describeError } from '../domain/failures';
import type { SendToDlq } from '../adapters/queue';

export const DEFAULT_TIME_GUARD_MS = 3_000;

export interface ConsumeOptions {
  /** Processes one record; throws PermanentError for what can never succeed. */
  handleRecord: (record: SQSRecord) => Promise<void>;
  sendToDlq: SendToDlq;
  /** Run the record handlers at once (for a batching writer) or one by one. */
  parallel: boolean;
  timeGuardMs?: number;
}

export async function consumeBatch(
  event: SQSEvent,
  context: Context,
  opts: ConsumeOptions,
): Promise<SQSBatchResponse> {
  const guard = opts.timeGuardMs ?? DEFAULT_TIME_GUARD_MS;
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    if (context.getRemainingTimeInMillis() < guard) {
      throw new OutOfTimeError(`Less than ${guard} ms left; record ${record.messageId} left for a retry`);
    }
    try {
      await opts.handleRecord(record);
    } catch (error) {
      if (classifyFailure(error) !== 'permanent') throw error;
      const reason = describeError(error);
      // If this send fails the error propagates: the record is retried, and SQS's
      // redrive still moves it to the DLQ after maxReceiveCount deliveries.
      await opts.sendToDlq(record, reason);
      logger.warn('Permanent failure: message sent to the DLQ', { messageId: record.messageId, reason });
      metrics.addMetric('MessageDeadLettered', MetricUnit.Count, 1);
    }
  };
  const response = await processPartialResponse(event, recordHandler, processor, {
    context,
    processInParallel: opts.parallel,
    throwOnFullBatchFailure: false,
  });
  if (response.batchItemFailures.length) {
    logger.warn('Records left for a retry', {
      failed: response.batchItemFailures.length,
      of: event.Records.length,
    });
  }
  return response;
}

/** The correlation id a producer stamped on the message, if any. */
export function correlationAttribute(record: SQSRecord): string | undefined {
  return record.messageAttributes?.correlationId?.stringValue;
}
