import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { customerIdSchema } from '@order-platform/shared/events/orders';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { listOrdersFor } from '../domain/use-cases';
import type { ListCustomerOrders } from '../domain/ports';
import { buildListCustomerOrders, documentClient } from '../adapters/orders-table';
import { listOrdersQuerySchema } from '../http/schemas';

/** GET /customers/{customerId}/orders?limit&cursor: newest first, cursor-paginated. */
export function makeHandler(deps: { listCustomerOrders: ListCustomerOrders }) {
  const list = listOrdersFor(deps.listCustomerOrders);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const customerId = validate(
        customerIdSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      const query = validate(listOrdersQuerySchema, event.queryStringParameters ?? {}, 'query string');
      return json(200, await list(customerId, principalOf(event), query));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  makeHandler({
    listCustomerOrders: buildListCustomerOrders(
      documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })),
      config.TABLE_NAME,
    ),
  }),
);
