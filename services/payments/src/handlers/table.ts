import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { documentClient } from '../adapters/dynamo';
import { buildPaymentsStore } from '../adapters/payments-table';

/** The payments table, one DynamoDB client per container. */
export function paymentsTable() {
  const { PAYMENTS_TABLE_NAME } = loadConfig(['PAYMENTS_TABLE_NAME']);
  return buildPaymentsStore(
    documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })),
    PAYMENTS_TABLE_NAME,
  );
}
