/** The clients and the table every fulfilment function uses (built once per container). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { buildFulfilmentStore, documentClient } from '../adapters/fulfilment-table';

export const store = () =>
  buildFulfilmentStore(documentClient(awsClient(DynamoDBClient)), requireEnv('FULFILMENT_TABLE_NAME'));
