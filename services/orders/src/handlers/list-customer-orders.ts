import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { customerListHandler } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { listOrdersFor } from '../domain/use-cases';
import type { ListCustomerOrders } from '../domain/ports';
import { buildListCustomerOrders, documentClient } from '../adapters/orders-table';

/** GET /customers/{customerId}/orders?limit&cursor: newest first, cursor-paginated. */
export function makeHandler(deps: { listCustomerOrders: ListCustomerOrders }) {
  return customerListHandler(listOrdersFor(deps.listCustomerOrders));
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
