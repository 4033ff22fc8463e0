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
 * Whichever write lands second sees the first, so the saga is resumed.
 *
 * Resuming is safe to repeat: a delivery is recorded (`outcomeDeliveredTo` = the token
 * it went to) only after Step Functions accepted it. A repeat of the event is a
 * duplicate only once the outcome was delivered; if SendTaskSuccess failed, the event's
 * retry (EventBridge retries the target, then its DLQ) delivers it again. Should every
 * retry fail, the saga's wait times out and reads the recorded outcome itself.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { logger } from '@order-platform/shared/observability';
import type { FailWaitingSaga, PaymentOutcome, RecordPaymentOutcome, SendToTask } from '../domain/ports';
import { outcomeForTask } from '../domain/saga';
import { orderKey } from './orders-table';

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

export function buildRecordPaymentOutcome(
  doc: DynamoDBDocumentClient,
  table: string,
  send: SendToTask,
): RecordPaymentOutcome {
  const markDelivered = async (orderId: string, token: string) => {
    await doc
      .send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression: 'SET outcomeDeliveredTo = :t',
          ConditionExpression: 'taskToken = :t',
          ExpressionAttributeValues: { ':t': token },
        }),
      )
      .catch((error: unknown) => {
        // The saga moved on (the token is gone): there is nothing left to mark.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  };
  return async (orderId, outcome) => {
    let before: Record<string, unknown> | undefined;
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          // The first outcome stays: a second capture (another payment id) never replaces it.
          UpdateExpression: 'SET paymentOutcome = if_not_exists(paymentOutcome, :o)',
          // RESERVED too: the webhook can arrive before the saga marks the order PAYMENT_PENDING.
          ConditionExpression: '#status IN (:reserved, :pending)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':o': outcome,
            ':reserved': 'RESERVED',
            ':pending': 'PAYMENT_PENDING',
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      before = out.Attributes;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The saga has ended (confirmed, timed out, cancelled): a repeat of the outcome it
      // ended on is a duplicate; anything else is late and changes nothing.
      const old = error.Item ? unmarshall(error.Item as Parameters<typeof unmarshall>[0]) : undefined;
      return sameOutcome(old?.paymentOutcome as PaymentOutcome | undefined, outcome)
        ? 'duplicate'
        : 'nothing-waiting';
    }
    const earlier = before?.paymentOutcome as PaymentOutcome | undefined;
    const stored = earlier ?? outcome;
    const token = before?.taskToken as string | undefined;
    if (!token) return earlier ? 'duplicate' : 'recorded';
    if (before?.outcomeDeliveredTo === token) return 'duplicate';
    // Not delivered yet (first time, or an earlier attempt's SendTask* failed): deliver
    // the outcome that was recorded, which is this one unless another came first.
    const result = await send(token, outcomeForTask(stored));
    await markDelivered(orderId, token);
    return sameOutcome(stored, outcome) ? result : 'duplicate';
  };
}

const sameOutcome = (a: PaymentOutcome | undefined, b: PaymentOutcome) =>
  a?.paymentId === b.paymentId && a.status === b.status;

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
