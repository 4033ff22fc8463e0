/**
 * The order saga's own Task states (P03), adapted to Lambda: begin, transition and
 * recordedOutcome are domain/saga-steps.ts over the DynamoDB saga store. Every error a
 * task throws on purpose is a named class from domain/saga.ts (Step Functions matches
 * Retry/Catch on the name).
 *
 * The payment wait's task is saga-await-payment.ts: it alone needs the Step Functions
 * client, so it is kept out of these two bundles.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { beginSaga, recordedOutcome as readRecordedOutcome, transitionOrder } from '../domain/saga-steps';
import { documentClient } from '../adapters/orders-table';
import { buildClaimSaga, buildReadPaymentOutcome, buildTransitionOrder } from '../adapters/saga-store';

const config = loadConfig(['TABLE_NAME']);
const doc = documentClient(awsClient(DynamoDBClient));

type Task<I, O> = (input: I, context: Context) => Promise<O>;
const wrap = <I, O>(fn: (input: I) => Promise<O>, log: (output: O, input: I) => void): Task<I, O> =>
  withObservability(async (input: I) => {
    const output = await fn(input);
    log(output, input);
    return output;
  }) as unknown as Task<I, O>;

export const begin = wrap(beginSaga(buildClaimSaga(doc, config.TABLE_NAME)), () => undefined);
/** The saga's outcomes as metrics (dashboard; SagaFailureRateAlarm): one per order that ends. */
const OUTCOME_METRIC: Record<string, string> = {
  CONFIRMED: 'OrderConfirmed',
  FAILED: 'OrderFailed',
  CANCELLED: 'OrderCancelled',
};

export const transition = wrap(transitionOrder(buildTransitionOrder(doc, config.TABLE_NAME)), (order) => {
  logger.info('Order status', order);
  const outcome = OUTCOME_METRIC[order.status];
  if (outcome) metrics.addMetric(outcome, MetricUnit.Count, 1);
});
export const recordedOutcome = wrap(
  readRecordedOutcome(buildReadPaymentOutcome(doc, config.TABLE_NAME)),
  (outcome, { orderId }) => logger.info('Payment outcome recorded on the order', { orderId, outcome }),
);
