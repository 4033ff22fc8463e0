import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { errorResponse, json, principalOf } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { getOrderFor } from '../domain/use-cases';
import type { GetOrder } from '../domain/ports';
import { buildGetOrder, documentClient } from '../adapters/orders-table';
import { orderIdParam } from './http-common';

/** GET /orders/{orderId}: the caller's own order, or 404. */
export function makeHandler(deps: { getOrder: GetOrder }) {
  const get = getOrderFor(deps.getOrder);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return json(200, await get(orderIdParam(event), principalOf(event)));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler({
    getOrder: buildGetOrder(documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })), config.TABLE_NAME),
  }),
);
