/**
 * The stream-fed outbox (P02): every change to an order item in the orders table
 * becomes at most one domain event on the EventBridge bus.
 *
 * - Loop guard: this function only reads the stream and writes to the bus. It has no
 *   permission to write the orders table, so it can never trigger itself.
 * - Exactly once per change, even when Lambda retries a batch: see
 *   adapters/idempotent-publisher.ts.
 * - Ordering: the platform's stream consumer (shared/src/consumers) takes records one by
 *   one in stream order and stops at the first failure, reporting it and every later
 *   record, so Lambda resumes there (X7) and no event of an order ever goes out before
 *   an earlier change of it that failed. It checks the remaining time first (X8).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { dynamoStreamConsumer } from '@order-platform/shared/consumers/streams';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { publishOrderChange, type PublishOnce } from '../domain/publish-change';
import { buildPublishEvent } from '../adapters/event-bus';
import { idempotentPublisher } from '../adapters/idempotent-publisher';
import { orderChangeOf } from '../adapters/order-stream';

/** Stop taking new records when less than this is left, so the batch ends cleanly. */
export const TIME_GUARD_MS = 2_000;

export interface PublisherDeps {
  publishOnce: PublishOnce;
  registerContext?: (context: Context) => void;
}

export function makeHandler(deps: PublisherDeps) {
  const publishChange = publishOrderChange(deps.publishOnce);
  const consume = dynamoStreamConsumer({
    timeGuardMs: TIME_GUARD_MS,
    handle: async (record) => {
      const { before, after } = orderChangeOf(record);
      if (after) setCorrelationId(after.correlationId);
      const event = await publishChange(before, after);
      if (event)
        logger.info('Published domain event', {
          eventType: event.metadata.eventType,
          eventId: event.metadata.eventId,
        });
    },
  });
  return (event: DynamoDBStreamEvent, context: Context) => {
    deps.registerContext?.(context);
    return consume(event, context);
  };
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
