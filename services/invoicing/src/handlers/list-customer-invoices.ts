/** GET /customers/{customerId}/invoices?limit&cursor (the billing API): newest first, cursor-paginated. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { customerListHandler } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { listInvoicesFor } from '../domain/list-invoices';
import type { ListCustomerInvoices } from '../domain/ports';
import { buildListCustomerInvoices, documentClient } from '../adapters/invoices-table';

export function makeHandler(deps: { listCustomerInvoices: ListCustomerInvoices; bucket: string }) {
  return customerListHandler(listInvoicesFor(deps.listCustomerInvoices, deps.bucket));
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
