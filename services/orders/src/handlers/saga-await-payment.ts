/**
 * The saga's `.waitForTaskToken` task, adapted to Lambda: domain/saga-steps.ts
 * awaitPayment over the DynamoDB saga store and Step Functions' task API.
 * adapters/task-tokens.ts explains the race this closes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { withObservability } from '@order-platform/shared/observability';
import { awaitPayment } from '../domain/saga-steps';
import { documentClient } from '../adapters/orders-table';
import { buildStoreTaskToken } from '../adapters/saga-store';
import { buildSendToTask } from '../adapters/task-tokens';

const config = loadConfig(['TABLE_NAME']);

export const handler = withObservability(
  awaitPayment(
    buildStoreTaskToken(documentClient(awsClient(DynamoDBClient)), config.TABLE_NAME),
    buildSendToTask(awsClient(SFNClient)),
  ),
) as unknown as (input: { orderId: string; taskToken: string }, context: Context) => Promise<unknown>;
