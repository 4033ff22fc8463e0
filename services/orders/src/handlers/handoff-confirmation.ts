/**
 * OrderConfirmed v1 (EventBridge rule on the platform bus) -> hand the order confirmation
 * to receipts (P10, asynchronous Invoke). The command carries the event's correlation id
 * and a per-order idempotency key: a redelivered event (EventBridge retries, at-least-once
 * delivery) hands off again, and receipts sends one confirmation all the same.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { envelope, parseEnvelope } from '@order-platform/shared/events/envelope';
import { orderConfirmationKey, sendOrderConfirmationV1 } from '@order-platform/shared/events/billing/index';
import { orderConfirmedV1 } from '@order-platform/shared/events/orders';
import { logger, withObservability } from '@order-platform/shared/observability';
import type { HandoffOrderConfirmation } from '../domain/ports';
import { buildHandoffOrderConfirmation } from '../adapters/receipts-handoff';

export function makeHandler(deps: { handoff: HandoffOrderConfirmation }) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<{ orderId: string; handedOff: true }> => {
    // Only the declared version is accepted (X4); anything else is refused loudly.
    const { event: confirmed } = parseEnvelope(event.detail, [orderConfirmedV1]);
    const { orderId, customerId, total, currency, confirmedAt, customerEmail } = confirmed.data;
    const command = envelope(
      sendOrderConfirmationV1,
      // The contact travels with the command, so receipts need not have learnt it yet.
      { orderId, customerId, total, currency, confirmedAt, ...(customerEmail ? { customerEmail } : {}) },
      {
        correlationId: confirmed.metadata.correlationId,
        idempotencyKey: orderConfirmationKey(orderId),
        occurredAt: confirmedAt,
      },
    );
    await deps.handoff(command);
    logger.info('Order confirmation handed off to receipts', { orderId });
    return { orderId, handedOff: true };
  };
}

const cfg = loadConfig(['RECEIPTS_FUNCTION_ARN']);

export const handler = withObservability(
  makeHandler({ handoff: buildHandoffOrderConfirmation(awsClient(LambdaClient), cfg.RECEIPTS_FUNCTION_ARN) }),
);
