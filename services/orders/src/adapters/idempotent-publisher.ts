/**
 * Publishes each domain event at most once, even when Lambda retries a stream batch:
 * Powertools Idempotency keyed on the event's idempotency key (`orderId:vN:STATUS`),
 * stored in its own table. A retried record whose event already went out is skipped.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishEvent } from '../domain/ports';

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
  // The idempotency layer needs the invocation's context for its in-progress expiry.
  return { publishOnce, registerContext: (context: Context) => config.registerLambdaContext(context) };
}
