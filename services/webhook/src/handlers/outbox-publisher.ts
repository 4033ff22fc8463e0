/**
 * Composition shared by the writer and the relay: one router for every outbox row,
 * by envelope source (domain/publishing.ts). Billing records → the billing notifier's
 * SNS topic (BILLING_TOPIC_ARN), everything else → the platform bus (EVENT_BUS_NAME).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '@order-platform/shared/aws';
import { BILLING_SOURCE } from '@order-platform/shared/events/billing/index';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { logger } from '@order-platform/shared/observability';
import { describeError } from '@order-platform/shared/consumers/failures';
import type { PublishEnvelopes } from '../domain/ports';
import { routeBySource } from '../domain/publishing';
import { buildPublishBillingEnvelopes } from '../adapters/billing-topic';
import { buildPublishEnvelopes } from '../adapters/event-bus';

export function outboxPublisher(cfg: { busName: string; billingTopicArn: string }): PublishEnvelopes {
  const billing = buildPublishBillingEnvelopes(
    buildPublishBillingRecord(awsClient(SNSClient), cfg.billingTopicArn),
    {
      onError: (error, eventId) =>
        logger.warn('Billing record not published; its outbox row stays pending', {
          eventId,
          error: describeError(error),
        }),
    },
  );
  return routeBySource(
    { [BILLING_SOURCE]: billing },
    buildPublishEnvelopes(awsClient(EventBridgeClient), cfg.busName),
    (error, source, count) =>
      logger.warn('An outbox destination failed; its rows stay pending', {
        destination: source ?? 'event bus',
        count,
        error: describeError(error),
      }),
  );
}
