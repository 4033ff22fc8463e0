/**
 * The one publisher of billing records (the billing notifier's topics). Every producer
 * uses it: the payments ledger writer (PaymentCaptured, RefundIssued, through its
 * outbox), invoicing (InvoiceIssued), the notifier's own trigger (InvoiceDocumentStored
 * on the private billing-ops topic). Import it as
 * `@order-platform/shared/events/billing/publish` from an adapter or a handler, never from
 * domain code (it carries the SNS SDK; `./index` does not):
 *
 *   const publish = buildPublishBillingRecord(awsClient(SNSClient), cfg.BILLING_TOPIC_ARN);
 *   await publish(envelope(paymentCapturedV1, data, { correlationId, idempotencyKey: `payment:${id}:captured` }));
 *
 * The contract (shared/src/events/billing):
 * - Message: the JSON envelope `{ metadata, data }` of a declared contract (`envelope()`
 *   validates `data` before anything is sent).
 * - MessageAttributes: recordType (String, = metadata.eventType), version (Number,
 *   = metadata.version), correlationId (String). Subscribers' filter policies match on
 *   the first two: a message without them reaches nobody.
 * - The producer's IAM: `sns:Publish` on the topic ARN imported from
 *   `op-billing-notifier-<stage>-BillingTopicArn`.
 * SNS delivers at least once; subscribers deduplicate on metadata.idempotencyKey.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Envelope } from '../envelope';
import { billingMessageAttributes } from './attributes';

/** Publishes one billing message (envelope body + recordType/version attributes); resolves to the message id. */
export type PublishBillingRecord = (record: Envelope<unknown>) => Promise<string>;

/** SNS's limit is 256 KiB; a billing record is a few hundred bytes, so a big one is a bug. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export function buildPublishBillingRecord(client: SNSClient, topicArn: string): PublishBillingRecord {
  return async (record: Envelope<unknown>) => {
    const message = JSON.stringify(record);
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
      throw new RangeError(
        `${record.metadata.eventType} ${record.metadata.eventId} is larger than SNS accepts`,
      );
    }
    const out = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: message,
        MessageAttributes: billingMessageAttributes(record.metadata),
      }),
    );
    return out.MessageId ?? '';
  };
}
