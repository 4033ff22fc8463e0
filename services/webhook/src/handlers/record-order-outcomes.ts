/**
 * Order outcomes queue (an EventBridge rule on the platform bus: OrderConfirmed,
 * OrderFailed, OrderCancelled v1) → payments.order_outcomes, once per order. The
 * reconciler compares them with the ledger.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { orderOutcomeFrom } from '../domain/order-outcomes';
import type { OrderOutcome } from '../domain/reconcile';
import { buildSendToDlq, type SendToDlq } from '../adapters/queue';
import { buildRecordOrderOutcome } from '../adapters/reconciliation-store';
import { consumeBatch } from './sqs-consumer';

export function makeHandler(deps: {
  recordOrderOutcome: (outcome: OrderOutcome) => Promise<boolean>;
  sendToDlq: SendToDlq;
  timeGuardMs?: number;
}) {
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    consumeBatch(event, context, {
      parallel: false,
      sendToDlq: deps.sendToDlq,
      ...(deps.timeGuardMs !== undefined ? { timeGuardMs: deps.timeGuardMs } : {}),
      handleRecord: async (record) => {
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
    sendToDlq: buildSendToDlq(awsClient(SQSClient), requireEnv('ORDER_OUTCOMES_DLQ_URL')),
  }),
);
