/**
 * Resuming the saga's payment wait (`.waitForTaskToken`).
 *
 * The provider's confirmation and the saga's "store the token" step race: the webhook
 * can arrive before the saga has stored its token. Both sides therefore write to the
 * same order item, atomically:
 * - recordPaymentOutcome stores the outcome (first one wins) and, if a token is already
 *   there, resumes the saga with it;
 * - the wait task (StoreTaskToken) stores its token only if no outcome is there, and
 *   otherwise resumes itself with the outcome it finds.
 * Whichever write lands second sees the first, so the saga is resumed exactly once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '@order-platform/shared/observability';
import { PAYMENT_FAILED_ERROR } from '../domain/saga';
import { orderKey } from './orders-table';
import type { PaymentOutcome } from './saga-store';

export type TaskOutcome = { success: unknown } | { error: string; cause: string };
export type SendToTask = (token: string, outcome: TaskOutcome) => Promise<'resumed' | 'nothing-waiting'>;

export function outcomeForTask(outcome: PaymentOutcome): TaskOutcome {
  return outcome.status === 'SUCCEEDED'
    ? { success: { paymentId: outcome.paymentId, status: 'SUCCEEDED' } }
    : { error: PAYMENT_FAILED_ERROR, cause: outcome.reason };
}

/** A token that is gone, closed or timed out means the saga already moved on: not an error. */
export function buildSendToTask(sfn: SFNClient): SendToTask {
  return async (token, outcome) => {
    try {
      if ('success' in outcome) {
        await sfn.send(
          new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome.success) }),
        );
      } else {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: token,
            error: outcome.error,
            cause: outcome.cause.slice(0, 32_000),
          }),
        );
      }
      return 'resumed';
    } catch (error) {
      const name = (error as Error).name;
      if (['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken'].includes(name)) {
        logger.info('Saga no longer waiting for this token', { reason: name });
        return 'nothing-waiting';
      }
      throw error;
    }
  };
}

export type RecordResult = 'resumed' | 'recorded' | 'duplicate' | 'nothing-waiting';
export type RecordPaymentOutcome = (orderId: string, outcome: PaymentOutcome) => Promise<RecordResult>;

export function buildRecordPaymentOutcome(
  doc: DynamoDBDocumentClient,
  table: string,
  send: SendToTask,
): RecordPaymentOutcome {
  return async (orderId, outcome) => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression: 'SET paymentOutcome = :o',
          // RESERVED too: the webhook can arrive before the saga marks the order PAYMENT_PENDING.
          ConditionExpression: '#status IN (:reserved, :pending) AND attribute_not_exists(paymentOutcome)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':o': outcome,
            ':reserved': 'RESERVED',
            ':pending': 'PAYMENT_PENDING',
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const token = out.Attributes?.taskToken as string | undefined;
      return token ? send(token, outcomeForTask(outcome)) : 'recorded';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Either this is a repeat of an outcome already recorded, or the saga has ended
      // (timed out, cancelled) and a late confirmation changes nothing.
      return error.Item?.paymentOutcome ? 'duplicate' : 'nothing-waiting';
    }
  };
}

/** Fails the saga's payment wait, if one is waiting on this order (customer cancel). */
export type FailWaitingSaga = (
  orderId: string,
  error: string,
  cause: string,
) => Promise<'resumed' | 'nothing-waiting'>;

export function buildFailWaitingSaga(
  doc: DynamoDBDocumentClient,
  table: string,
  send: SendToTask,
): FailWaitingSaga {
  return async (orderId, error, cause) => {
    const out = await doc.send(
      new GetCommand({ TableName: table, Key: orderKey(orderId), ConsistentRead: true }),
    );
    const token = out.Item?.taskToken as string | undefined;
    return token ? send(token, { error, cause }) : 'nothing-waiting';
  };
}
