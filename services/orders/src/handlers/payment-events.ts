/**
 * PaymentSucceeded / PaymentFailed (from the webhook service, via an EventBridge rule)
 * → resume the saga waiting on that order's payment. Duplicate or late events find no
 * waiting task and change nothing. Undeclared event versions are rejected (X4) and,
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
import { PAYMENT_FAILED_ERROR } from '../domain/saga';
import { documentClient } from '../adapters/orders-table';
import { buildResumeSaga, type ResumeSaga } from '../adapters/task-tokens';

export function makeHandler(resume: ResumeSaga) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const { contract, event: payment } = parseEnvelope(event.detail, [paymentSucceededV1, paymentFailedV1]);
    const data = payment.data as { orderId: string; paymentId: string; reason?: string };
    const result =
      contract === paymentSucceededV1
        ? await resume(data.orderId, { success: { paymentId: data.paymentId, status: 'SUCCEEDED' } })
        : await resume(data.orderId, { error: PAYMENT_FAILED_ERROR, cause: data.reason ?? 'payment failed' });
    logger.info('Payment outcome handled', { orderId: data.orderId, eventType: contract.type, result });
    return { result };
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler(buildResumeSaga(documentClient(awsClient(DynamoDBClient)), config.TABLE_NAME, awsClient(SFNClient))),
);
