/**
 * The stream-fed outbox (P02): every change to an order item in the orders table
 * becomes at most one domain event on the EventBridge bus.
 *
 * - Loop guard: this function only reads the stream and writes to the bus. It has no
 *   permission to write the orders table, so it can never trigger itself.
 * - Exactly once per change, even when Lambda retries a batch: each event is published
 *   through Powertools Idempotency keyed on `orderId:vN:STATUS`, stored in a separate
 *   table. A retried record whose event already went out is skipped.
 * - Ordering: records are processed one by one in stream order. After the first
 *   failure nothing more of the batch is published (a batch is one shard): every later
 *   record is reported too, and Lambda resumes from the first failed one (X7). So no
 *   event of an order ever goes out before an earlier change of it that failed.
 * - Remaining time is checked before each record (X8).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import type { Envelope } from '@order-platform/shared/events/envelope';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { eventForChange } from '../domain/events';
import type { PublishEvent } from '../domain/ports';
import { fromItem } from '../adapters/orders-table';
import { buildPublishEvent } from '../adapters/event-bus';

/** Stop taking new records when less than this is left, so the batch ends cleanly. */
export const TIME_GUARD_MS = 2_000;

export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

/** A record behind a failed one: left for the retry that resumes at the failure. */
export class HeldBackError extends Error {
  override name = 'HeldBackError';
}

type StreamImage = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

function image(raw: StreamImage) {
  return raw ? fromItem(unmarshall(raw as Parameters<typeof unmarshall>[0])) : undefined;
}

export interface PublisherDeps {
  /** Publishes one event at most once (idempotent wrapper around PutEvents). */
  publishOnce: (event: Envelope<unknown>) => Promise<unknown>;
  /** Gives the idempotency layer the invocation context (in-progress expiry). */
  registerContext?: (context: Context) => void;
}

export function makeHandler(deps: PublisherDeps) {
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    deps.registerContext?.(context);
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    let stopped = false;
    const recordHandler = async (record: DynamoDBRecord) => {
      if (stopped) throw new HeldBackError('An earlier record of this shard failed; held back for the retry');
      if (context.getRemainingTimeInMillis() < TIME_GUARD_MS) {
        stopped = true;
        throw new OutOfTimeError('Not enough time left; leaving this record for the retry');
      }
      const change = eventForChange(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
      if (!change) return;
      setCorrelationId(change.metadata.correlationId);
      try {
        await deps.publishOnce(change);
      } catch (error) {
        stopped = true;
        throw error;
      }
      logger.info('Published domain event', {
        eventType: change.metadata.eventType,
        eventId: change.metadata.eventId,
      });
    };
    return processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}

export function idempotentPublisher(publish: PublishEvent, tableName: string, client: DynamoDBClient) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'metadata.idempotencyKey',
    // Stream records live 24 h; keep the keys a little longer than any possible retry.
    expiresAfterSeconds: 48 * 60 * 60,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const publishOnce = makeIdempotent(
    async (event: Envelope<unknown>) => {
      await publish(event);
      return { eventId: event.metadata.eventId };
    },
    { persistenceStore, config },
  );
  return { publishOnce, registerContext: (context: Context) => config.registerLambdaContext(context) };
}

const cfg = loadConfig(['EVENT_BUS_NAME', 'IDEMPOTENCY_TABLE_NAME']);

export const handler = withObservability(
  makeHandler(
    idempotentPublisher(
      buildPublishEvent(awsClient(EventBridgeClient), cfg.EVENT_BUS_NAME),
      cfg.IDEMPOTENCY_TABLE_NAME,
      awsClient(DynamoDBClient),
    ),
  ),
);
