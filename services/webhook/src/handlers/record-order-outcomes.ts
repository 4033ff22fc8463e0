/**
 * Order outcomes queue (an EventBridge rule on the platform bus: OrderConfirmed,
 * OrderFailed, OrderCancelled v1) → payments.order_outcomes, once per order. The
 * reconciler compares them with the ledger.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { sqsConsumer } from '@order-platform/shared/consumers/sqs';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { orderOutcomeFrom } from '../domain/order-outcomes';
import type { OrderOutcome } from '../domain/reconcile';
import { buildRecordOrderOutcome } from '../adapters/reconciliation-store';

export function makeHandler(deps: {
  recordOrderOutcome: (outcome: OrderOutcome) => Promise<boolean>;
  deadLetter: DeadLetter;
  timeGuardMs?: number;
}) {
  return sqsConsumer({
    deadLetter: deps.deadLetter,
    ...(deps.timeGuardMs !== undefined ? { timeGuardMs: deps.timeGuardMs } : {}),
    handle: async (record) => {
      const { outcome, correlationId } = orderOutcomeFrom(record.body);
      setCorrelationId(correlationId);
      const fresh = await deps.recordOrderOutcome(outcome);
      logger.info('Order outcome', { orderId: outcome.orderId, status: outcome.status, fresh });
    },
  });
}

export const handler = withObservability(
  makeHandler({
    recordOrderOutcome: buildRecordOrderOutcome(() => getPool()),
    deadLetter: buildDeadLetter(awsClient(SQSClient), requireEnv('ORDER_OUTCOMES_DLQ_URL')),
  }),
);
