/**
 * DynamoDB adapter for the saga's order-status tasks: conditional transitions, the saga
 * claim (one execution per order), and the task token of the payment wait.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  ClaimSaga,
  PaymentOutcome,
  ReadPaymentOutcome,
  SagaOrder,
  StoreTaskToken,
  TransitionOrder,
} from '../domain/ports';
import {
  DuplicateSagaError,
  InvalidTransitionError,
  OrderCancelledError,
  OrderNotFoundError,
  TRANSITIONS,
  explainRejectedTransition,
} from '../domain/saga';
import { fromItem, orderKey } from './orders-table';

function oldItem(error: ConditionalCheckFailedException): SagaOrder | undefined {
  return error.Item
    ? (fromItem(unmarshall(error.Item as Parameters<typeof unmarshall>[0])) as SagaOrder | undefined)
    : undefined;
}

export function buildTransitionOrder(doc: DynamoDBDocumentClient, table: string): TransitionOrder {
  return async ({ orderId, to, reason, paymentId, correlationId, now }) => {
    const from = TRANSITIONS[to];
    const values: Record<string, unknown> = {
      ':to': to,
      ':now': now.toISOString(),
      ':one': 1,
      ':cid': correlationId,
    };
    from.forEach((s, i) => (values[`:f${i}`] = s));
    const sets = ['#status = :to', 'updatedAt = :now', 'correlationId = :cid'];
    if (reason) {
      sets.push('statusReason = :reason');
      values[':reason'] = reason;
    }
    if (paymentId) {
      sets.push('paymentId = :pid');
      values[':pid'] = paymentId;
    }
    // The token is only meaningful while waiting for the payment.
    const remove = to === 'PAYMENT_PENDING' ? '' : ' REMOVE taskToken';
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression: `SET ${sets.join(', ')} ADD version :one${remove}`,
          ConditionExpression: `attribute_exists(PK) AND #status IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return fromItem(out.Attributes) as SagaOrder;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = oldItem(error);
      if (!current) throw new OrderNotFoundError(`Order ${orderId} not found`);
      const outcome = explainRejectedTransition(to, current.status);
      if (outcome.kind === 'already') return current;
      if (outcome.kind === 'cancelled') throw new OrderCancelledError(`Order ${orderId} was cancelled`);
      throw new InvalidTransitionError(`Order ${orderId} cannot go from ${current.status} to ${to}`);
    }
  };
}

export function buildClaimSaga(doc: DynamoDBDocumentClient, table: string): ClaimSaga {
  return async (orderId, executionId) => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression: 'SET sagaExecutionId = :id',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(sagaExecutionId) OR sagaExecutionId = :id)',
          ExpressionAttributeValues: { ':id': executionId },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return fromItem(out.Attributes) as SagaOrder;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = oldItem(error);
      if (!current) throw new OrderNotFoundError(`Order ${orderId} not found`);
      throw new DuplicateSagaError(`Order ${orderId} is already handled by ${current.sagaExecutionId}`);
    }
  };
}

export function buildReadPaymentOutcome(doc: DynamoDBDocumentClient, table: string): ReadPaymentOutcome {
  return async (orderId) => {
    const out = await doc.send(
      new GetCommand({
        TableName: table,
        Key: orderKey(orderId),
        ConsistentRead: true,
        ProjectionExpression: 'paymentOutcome',
      }),
    );
    return out.Item?.paymentOutcome as PaymentOutcome | undefined;
  };
}

export function buildStoreTaskToken(doc: DynamoDBDocumentClient, table: string): StoreTaskToken {
  return async (orderId, taskToken) => {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression: 'SET taskToken = :t',
          // The provider's confirmation can beat the saga here (it is sent as soon as the
          // charge is accepted): then the outcome is already on the order.
          ConditionExpression: '#status = :pending AND attribute_not_exists(paymentOutcome)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':t': taskToken, ':pending': 'PAYMENT_PENDING' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { stored: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = oldItem(error);
      if (current?.status === 'CANCELLED') throw new OrderCancelledError(`Order ${orderId} was cancelled`);
      if (current?.status === 'PAYMENT_PENDING' && current.paymentOutcome)
        return { stored: false, outcome: current.paymentOutcome };
      throw new InvalidTransitionError(
        `Order ${orderId} is ${current?.status ?? 'missing'}, not waiting for payment`,
      );
    }
  };
}
