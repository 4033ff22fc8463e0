/**
 * Receipts' subscription to the billing notifier (P12/P13): PaymentCaptured v1 and
 * RefundIssued v1 from its own queue; one email per record, however often it arrives.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { paymentCapturedV1, refundIssuedV1 } from '@order-platform/shared/events/billing/index';
import type { DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { makeSubscriber } from '@order-platform/shared/events/billing/subscriber';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { receiptFor, type BillingRecord } from '../domain/receipts';
import type { SendOutcome } from '../domain/send-once';
import { buildDeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { receiptsDeps } from './deps';

export interface SendReceiptsDeps {
  receipt: (record: BillingRecord) => Promise<SendOutcome>;
  deadLetter: DeadLetter;
}

export function makeHandler(deps: SendReceiptsDeps) {
  return makeSubscriber({
    accepted: [paymentCapturedV1, refundIssuedV1],
    deadLetter: deps.deadLetter,
    handle: async ({ contract, event }) => {
      const result = await deps.receipt({ type: contract.type, event } as BillingRecord);
      if (result.outcome === 'sent') metrics.addMetric('ReceiptSent', MetricUnit.Count, 1);
      logger.info('Receipt handled', {
        recordType: contract.type,
        idempotencyKey: event.metadata.idempotencyKey,
        outcome: result.outcome,
      });
    },
  });
}

const cfg = loadConfig(['RECEIPTS_TABLE_NAME', 'SENDER_ADDRESS', 'RECEIPTS_DLQ_URL']);
const deps = receiptsDeps(cfg.RECEIPTS_TABLE_NAME, cfg.SENDER_ADDRESS);

export const handler = withObservability(
  makeHandler({
    receipt: receiptFor(deps),
    deadLetter: buildDeadLetter(awsClient(SQSClient), cfg.RECEIPTS_DLQ_URL),
  }),
);
