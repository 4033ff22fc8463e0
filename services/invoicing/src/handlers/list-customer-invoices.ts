/** GET /customers/{customerId}/invoices?limit&cursor (the billing API): newest first, cursor-paginated. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { customerIdSchema } from '@order-platform/shared/events/orders';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { listInvoicesFor, listInvoicesQuerySchema } from '../domain/list-invoices';
import type { ListCustomerInvoices } from '../domain/ports';
import { buildListCustomerInvoices, documentClient } from '../adapters/invoices-table';

export function makeHandler(deps: { listCustomerInvoices: ListCustomerInvoices; bucket: string }) {
  const list = listInvoicesFor(deps.listCustomerInvoices, deps.bucket);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const customerId = validate(
        customerIdSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      const query = validate(listInvoicesQuerySchema, event.queryStringParameters ?? {}, 'query string');
      return json(200, await list(customerId, principalOf(event), query));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const cfg = loadConfig(['INVOICES_TABLE_NAME', 'INVOICES_BUCKET_NAME']);

export const handler = withObservability(
  makeHandler({
    listCustomerInvoices: buildListCustomerInvoices(
      documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })),
      cfg.INVOICES_TABLE_NAME,
    ),
    bucket: cfg.INVOICES_BUCKET_NAME,
  }),
);
