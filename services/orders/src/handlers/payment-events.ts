/**
 * PaymentSucceeded / PaymentFailed (from the webhook service, via an EventBridge rule)
 * → record the outcome on the order and resume the saga if it is already waiting
 * (adapters/task-tokens.ts explains the race with the saga). Duplicate or late events
 * change nothing. Undeclared event versions are rejected (X4) and,
 * because this is an EventBridge target with a DLQ, land there instead of vanishing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { paymentFailedV1, paymentSucceededV1 } from '@order-platform/shared/events/payments';
import { logger, withObservability } from '@order-platform/shared/observability';
import { documentClient } from '../adapters/orders-table';
import type { RecordPaymentOutcome } from '../domain/ports';
import { buildRecordPaymentOutcome, buildSendToTask } from '../adapters/task-tokens';

export function makeHandler(record: RecordPaymentOutcome) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const { contract, event: payment } = parseEnvelope(event.detail, [paymentSucceededV1, paymentFailedV1]);
    const data = payment.data as { orderId: string; paymentId: string; reason?: string };
    const result =
      contract === paymentSucceededV1
        ? await record(data.orderId, { status: 'SUCCEEDED', paymentId: data.paymentId })
        : await record(data.orderId, {
            status: 'FAILED',
            paymentId: data.paymentId,
            reason: data.reason ?? 'payment failed',
          });
    logger.info('Payment outcome handled', { orderId: data.orderId, eventType: contract.type, result });
    return { result };
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler(
    buildRecordPaymentOutcome(
      documentClient(awsClient(DynamoDBClient)),
      config.TABLE_NAME,
      buildSendToTask(awsClient(SFNClient)),
    ),
  ),
);
