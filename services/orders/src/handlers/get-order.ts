import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig, optionalEnv } from '@order-platform/shared/config';
import { errorResponse, json, principalOf } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { getOrderFor } from '../domain/use-cases';
import type { GetOrder } from '../domain/ports';
import { buildGetOrder, documentClient } from '../adapters/orders-table';
import { orderIdParam } from './http-common';

/**
 * GET /orders/{orderId}: the caller's own order, or 404. A confirmed order links where
 * each line's fulfilment is shown (the fulfilment API, P16), when that API is deployed.
 */
export function makeHandler(deps: { getOrder: GetOrder; fulfilmentApiUrl?: string }) {
  const get = getOrderFor(deps.getOrder);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const view = await get(orderIdParam(event), principalOf(event));
      const fulfilmentUrl =
        deps.fulfilmentApiUrl && view.status === 'CONFIRMED'
          ? `${deps.fulfilmentApiUrl.replace(/\/$/, '')}/orders/${view.orderId}/fulfilment`
          : undefined;
      return json(200, fulfilmentUrl ? { ...view, fulfilmentUrl } : view);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler({
    getOrder: buildGetOrder(documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })), config.TABLE_NAME),
    ...(optionalEnv('FULFILMENT_API_URL') ? { fulfilmentApiUrl: optionalEnv('FULFILMENT_API_URL') } : {}),
  }),
);
