/**
 * Orders table stream -> Postgres read model (P04, X6, X7, X8). The event source mapping
 * (serverless.yml) bounds concurrency (parallelizationFactor 1, reserved concurrency),
 * bisects failing batches, retries a bounded number of times and sends what still fails
 * to the failure queue. This handler reports partial failures by sequence number.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { isUnreachable } from '@order-platform/shared/db/errors';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { projectBatch, type ProjectorDeps, type StreamItem } from '../domain/projection';
import type { RawChange } from '../domain/order-item';
import { buildParkPoison } from '../adapters/failure-queue';
import { buildApplyRows } from '../adapters/read-model';
import { withSchema } from '../adapters/migrations';
import { buildReadModelChanged, cacheTelemetry } from '../adapters/redis-cache';
import { platformCacheStore, platformDb } from './composition';

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const plain = (image: Image) => (image ? unmarshall(image as Parameters<typeof unmarshall>[0]) : undefined);

export function toStreamItem(record: DynamoDBRecord): StreamItem {
  const change: RawChange = {
    eventName: record.eventName,
    keys: plain(record.dynamodb?.Keys) ?? {},
    newImage: plain(record.dynamodb?.NewImage),
    oldImage: plain(record.dynamodb?.OldImage),
  };
  return {
    id: record.dynamodb?.SequenceNumber ?? record.eventID ?? '',
    source: record.eventSourceARN,
    change,
  };
}

export function makeHandler(deps: ProjectorDeps) {
  const project = projectBatch(deps);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const outcome = await project(event.Records.map(toStreamItem), () => context.getRemainingTimeInMillis());
    const { failedIds, error, ...counts } = outcome;
    if (failedIds.length) {
      logger.error('Projection stopped; the rest of the batch goes back to the stream', {
        error: error as Error,
        failed: failedIds.length,
        ...counts,
      });
      metrics.addMetric('ProjectionRetried', MetricUnit.Count, failedIds.length);
    } else {
      logger.info('Projected batch', { records: event.Records.length, ...counts });
    }
    metrics.addMetric('OrdersProjected', MetricUnit.Count, counts.applied);
    if (counts.poisoned) metrics.addMetric('PoisonRecords', MetricUnit.Count, counts.poisoned);
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

const cfg = loadConfig(['PROJECTOR_FAILURE_QUEUE_URL']);
const db = platformDb();

export const handler = withObservability(
  makeHandler({
    applyRows: withSchema(db, buildApplyRows(db)),
    isUnreachable,
    parkPoison: buildParkPoison(awsClient(SQSClient), cfg.PROJECTOR_FAILURE_QUEUE_URL),
    readModelChanged: buildReadModelChanged(platformCacheStore()),
    onReadModelChangedError: (error) => cacheTelemetry.unavailable('bump', error),
  }),
);
