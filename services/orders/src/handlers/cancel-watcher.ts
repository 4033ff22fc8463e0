/**
 * OrderCancelled → if a saga is waiting on this order's payment, fail that wait with
 * OrderCancelledError so the saga compensates (refund, release stock) right away
 * instead of waiting for its timeout. Cancels at other steps are caught by the saga's
 * own conditional writes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { orderCancelledV1 } from '@order-platform/shared/events/orders';
import { withObservability } from '@order-platform/shared/observability';
import type { FailWaitingSaga } from '../domain/ports';
import { ORDER_CANCELLED_ERROR } from '../domain/saga';
import { documentClient } from '../adapters/orders-table';
import { buildFailWaitingSaga, buildSendToTask } from '../adapters/task-tokens';

export function makeHandler(failWaiting: FailWaitingSaga) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const { event: cancelled } = parseEnvelope(event.detail, [orderCancelledV1]);
    const data = cancelled.data as { orderId: string; reason: string };
    return { result: await failWaiting(data.orderId, ORDER_CANCELLED_ERROR, data.reason) };
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler(
    buildFailWaitingSaga(
      documentClient(awsClient(DynamoDBClient)),
      config.TABLE_NAME,
      buildSendToTask(awsClient(SFNClient)),
    ),
  ),
);
