/**
 * The receiving side of the internal handoff (P10): orders invokes this function
 * asynchronously (InvocationType Event) with a SendOrderConfirmation v1 envelope.
 *
 * - Async invokes can repeat (Lambda's retries, and its own at-least-once queue), so the
 *   send is keyed on the order: a repeat finds the delivery SENT and does nothing (X1).
 * - Any failure throws: Lambda retries (maximumRetryAttempts), then sends the invocation
 *   record, with the original payload, to the on-failure destination (P27). Success
 *   sends the record with this function's result to the on-success destination.
 */
import { loadConfig } from '@order-platform/shared/config';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import {
  sendOrderConfirmationV1,
  type SendOrderConfirmationV1,
} from '@order-platform/shared/events/billing/index';
import type { Envelope } from '@order-platform/shared/events/envelope';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { confirmOrderFor } from '../domain/receipts';
import type { SendOutcome } from '../domain/send-once';
import { receiptsDeps } from './deps';

export interface SendOrderConfirmationDeps {
  confirm: (command: Envelope<SendOrderConfirmationV1>) => Promise<{ orderId: string } & SendOutcome>;
}

export function makeHandler(deps: SendOrderConfirmationDeps) {
  return async (payload: unknown) => {
    const { event: command } = parseEnvelope(payload, [sendOrderConfirmationV1]);
    setCorrelationId(command.metadata.correlationId);
    const result = await deps.confirm(command);
    logger.info('Order confirmation handled', { orderId: result.orderId, outcome: result.outcome });
    return result;
  };
}

const cfg = loadConfig(['RECEIPTS_TABLE_NAME', 'SENDER_ADDRESS']);

export const handler = withObservability(
  makeHandler({ confirm: confirmOrderFor(receiptsDeps(cfg.RECEIPTS_TABLE_NAME, cfg.SENDER_ADDRESS)) }),
);
