/**
 * The composition root shared by the inventory handlers: configuration read once at
 * cold start, one DynamoDB client per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { documentClient } from '../adapters/stock-table';

export function stockTable() {
  const { TABLE_NAME } = loadConfig(['TABLE_NAME']);
  // Two attempts: the caller (saga or client adapter) has its own retry and deadline.
  return { doc: documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })), table: TABLE_NAME };
}

/** Jittered pause between transaction-conflict retries: 0-20 ms, 0-40 ms, 0-80 ms... */
export const jitteredPause = (attempt: number) =>
  new Promise<void>((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
