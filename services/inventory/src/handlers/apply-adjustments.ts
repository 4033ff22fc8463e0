/**
 * The FIFOer (P15): applies warehouse stock adjustments strictly in order per SKU.
 *
 * The FIFO queue delivers each SKU's messages (MessageGroupId = sku) in order and never
 * hands out a group's next message while an earlier one is in flight. The platform's
 * FIFO consumer (shared/src/consumers) stops a SKU at its first failure within a batch
 * (that message and the SKU's later ones come back in order) while the other SKUs go on,
 * parks what can never succeed at once, and checks the remaining time (X8).
 *
 * - Duplicates: SQS drops a repeated adjustmentId for 5 minutes (MessageDeduplicationId);
 *   after that, the adjustment marker written in the same transaction turns a repeat
 *   into a no-op.
 * - An adjustment that would take stock below 0 is retried (it may succeed once stock
 *   is released), holding its SKU back until it succeeds or the queue moves it to the DLQ.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { sqsFifoConsumer } from '@order-platform/shared/consumers/sqs';
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import { logger, withObservability } from '@order-platform/shared/observability';
import { buildApplyAdjustment } from '../adapters/stock-table';
import { parseAdjustment } from '../domain/adjustments';
import { applyStockAdjustment } from '../domain/use-cases';
import { stockTable } from './deps';

export const TIME_GUARD_MS = 2_000;

export interface ConsumerDeps {
  apply: (adjustment: StockAdjustmentV1) => Promise<'applied' | 'duplicate'>;
  deadLetter: DeadLetter;
}

export function makeHandler(deps: ConsumerDeps) {
  return sqsFifoConsumer({
    deadLetter: deps.deadLetter,
    timeGuardMs: TIME_GUARD_MS,
    handle: async (record) => {
      const adjustment = parseAdjustment(record.body);
      const outcome = await deps.apply(adjustment);
      logger.info('Stock adjustment', {
        adjustmentId: adjustment.adjustmentId,
        sku: adjustment.sku,
        outcome,
      });
    },
  });
}

const { doc, table } = stockTable();
const { DLQ_URL } = loadConfig(['DLQ_URL']);

export const handler = withObservability(
  makeHandler({
    apply: applyStockAdjustment(buildApplyAdjustment(doc, table), () => new Date()),
    deadLetter: buildDeadLetter(awsClient(SQSClient), DLQ_URL),
  }),
);
