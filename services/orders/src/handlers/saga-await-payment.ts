/**
 * The saga's `.waitForTaskToken` task: stores the token on the order (only while it is
 * PAYMENT_PENDING) so the payment outcome can resume the saga. If the outcome got here
 * first, resume at once: a failure by throwing (the task fails with that error), a
 * success through SendTaskSuccess (the only way to complete a callback task
 * successfully). adapters/task-tokens.ts explains the race this closes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { withObservability } from '@order-platform/shared/observability';
import { PaymentFailedError, SagaResumeError } from '../domain/saga';
import { documentClient } from '../adapters/orders-table';
import { buildStoreTaskToken, type StoreTaskToken } from '../adapters/saga-store';
import { buildSendToTask, outcomeForTask, type SendToTask } from '../adapters/task-tokens';

export function makeHandler(store: StoreTaskToken, send: SendToTask) {
  return async (input: { orderId: string; taskToken: string }) => {
    const result = await store(input.orderId, input.taskToken);
    if (result.stored) return { orderId: input.orderId, waiting: true };
    const outcome = outcomeForTask(result.outcome);
    if ('error' in outcome) throw new PaymentFailedError(outcome.cause);
    try {
      await send(input.taskToken, outcome);
    } catch (error) {
      // Retried by the state (Retry on SagaResumeError): the outcome stays recorded.
      throw new SagaResumeError(`Could not resume with the recorded outcome: ${(error as Error).message}`);
    }
    return { orderId: input.orderId, waiting: false };
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler(
    buildStoreTaskToken(documentClient(awsClient(DynamoDBClient)), config.TABLE_NAME),
    buildSendToTask(awsClient(SFNClient)),
  ),
) as unknown as (input: { orderId: string; taskToken: string }, context: Context) => Promise<unknown>;
