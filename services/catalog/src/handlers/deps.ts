/**
 * The composition root shared by the catalog handlers: configuration read once at cold
 * start, one client per AWS service per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { documentClient } from '../adapters/products-table';

/** The products table; API handlers use two attempts (their callers retry), the import the SDK's three. */
export function productsTable(opts: { maxAttempts?: number } = {}) {
  const { PRODUCTS_TABLE_NAME } = loadConfig(['PRODUCTS_TABLE_NAME']);
  return {
    doc: documentClient(awsClient(DynamoDBClient, opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {})),
    table: PRODUCTS_TABLE_NAME,
  };
}

export function jobsTable() {
  const { JOBS_TABLE_NAME } = loadConfig(['JOBS_TABLE_NAME']);
  return { doc: documentClient(awsClient(DynamoDBClient)), table: JOBS_TABLE_NAME };
}
