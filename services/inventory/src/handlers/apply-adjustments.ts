/**
 * The FIFOer (P15): applies warehouse stock adjustments strictly in order per SKU.
 *
 * The FIFO queue delivers each SKU's messages (MessageGroupId = sku) in order and never
 * hands out a group's next message while an earlier one is in flight; different SKUs are
 * processed in parallel. Inside a batch, Powertools' SqsFifoPartialProcessorAsync with
 * `skipGroupOnError` stops a SKU at its first failure: that message and every later one
 * of the same SKU are reported as failed (they come back in order), while the other
 * SKUs of the batch go on.
 *
 * - Duplicates: SQS drops a repeated adjustmentId for 5 minutes (MessageDeduplicationId);
 *   after that, the adjustment marker written in the same transaction turns a repeat
 *   into a no-op.
 * - A message that can never succeed (bad shape) goes to the DLQ at once and is
 *   acknowledged, so it does not hold its SKU back for maxReceiveCount deliveries.
 * - An adjustment that would take stock below 0 is retried (it may succeed once stock
 *   is released), holding its SKU back until it succeeds or the queue moves it to the DLQ.
 * - Remaining time is checked before each record (X8).
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { PermanentError } from '@order-platform/shared/errors';
import {
  stockAdjustmentV1Schema,
  type StockAdjustmentV1,
} from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { buildApplyAdjustment } from '../adapters/stock-table';
import { applyStockAdjustment } from '../domain/use-cases';
import { stockTable } from './deps';

export const TIME_GUARD_MS = 2_000;

export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

export function parseAdjustment(body: string): StockAdjustmentV1 {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PermanentError('Adjustment body is not JSON');
  }
  const parsed = stockAdjustmentV1Schema.safeParse(raw);
  if (!parsed.success) {
    throw new PermanentError(
      `Invalid adjustment: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface ConsumerDeps {
  apply: (adjustment: StockAdjustmentV1) => Promise<'applied' | 'duplicate'>;
  /** Parks a message that can never succeed in the DLQ. */
  sendToDlq: (record: SQSRecord, reason: string) => Promise<void>;
}

export function makeHandler(deps: ConsumerDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new SqsFifoPartialProcessorAsync();
    const recordHandler = async (record: SQSRecord) => {
      if (context.getRemainingTimeInMillis() < TIME_GUARD_MS)
        throw new OutOfTimeError('Not enough time left; leaving this record for redelivery');
      setCorrelationId(record.messageAttributes?.correlationId?.stringValue ?? record.messageId);
      let adjustment: StockAdjustmentV1;
      try {
        adjustment = parseAdjustment(record.body);
      } catch (error) {
        logger.warn('Unusable adjustment sent to the DLQ', {
          messageId: record.messageId,
          error: error as Error,
        });
        await deps.sendToDlq(record, (error as Error).message);
        return;
      }
      const outcome = await deps.apply(adjustment);
      logger.info('Stock adjustment', {
        adjustmentId: adjustment.adjustmentId,
        sku: adjustment.sku,
        outcome,
      });
    };
    return processPartialResponse(event, recordHandler, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  };
}

/** FIFO DLQ: the same group (SKU, or the producer's group) and a dedup id per source message. */
export function buildSendToDlq(sqs: SQSClient, dlqUrl: string) {
  return async (record: SQSRecord, reason: string) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: record.body,
        MessageGroupId: record.attributes.MessageGroupId ?? 'unknown',
        MessageDeduplicationId: record.messageId,
        MessageAttributes: {
          failureReason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          sourceMessageId: { DataType: 'String', StringValue: record.messageId },
        },
      }),
    );
  };
}

const { doc, table } = stockTable();
const { DLQ_URL } = loadConfig(['DLQ_URL']);

export const handler = withObservability(
  makeHandler({
    apply: applyStockAdjustment(buildApplyAdjustment(doc, table), () => new Date()),
    sendToDlq: buildSendToDlq(awsClient(SQSClient), DLQ_URL),
  }),
);
