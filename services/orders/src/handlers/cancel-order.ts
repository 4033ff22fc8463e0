import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { errorResponse, json, parseJsonBody, principalOf } from '@order-platform/shared/http';
import { currentCorrelationId, withObservability } from '@order-platform/shared/observability';
import { cancelOrderInputSchema } from '../domain/order';
import { cancelOrderFor, type CancelDeps } from '../domain/use-cases';
import { buildCancelOrder, buildGetOrder, documentClient } from '../adapters/orders-table';
import { orderIdParam } from './http-common';

/** POST /orders/{orderId}/cancel: only from a cancellable state (conditional write), else 409. */
export function makeHandler(deps: CancelDeps) {
  const cancel = cancelOrderFor(deps);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const orderId = orderIdParam(event);
      const principal = principalOf(event);
      // The body is optional: an empty one means the default reason.
      const input = event.body
        ? parseJsonBody(event, cancelOrderInputSchema)
        : cancelOrderInputSchema.parse({});
      return json(200, await cancel(orderId, input.reason, principal, currentCorrelationId()));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const config = loadConfig(['TABLE_NAME']);
const doc = documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 }));

export const handler = withObservability(
  makeHandler({
    getOrder: buildGetOrder(doc, config.TABLE_NAME),
    cancelOrder: buildCancelOrder(doc, config.TABLE_NAME),
    now: () => new Date(),
  }),
);
