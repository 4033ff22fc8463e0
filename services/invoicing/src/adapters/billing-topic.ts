/**
 * Publishing to the billing notifier topic. A copy of the notifier's reference adapter
 * (services/billing-notifier/src/adapters/publish-billing-record.ts): services share the
 * contract (shared/src/events/billing), never each other's code.
 * Body: the JSON envelope. Attributes: recordType (String), version (Number),
 * correlationId (String): subscribers' filter policies match on the first two.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { billingMessageAttributes } from '@order-platform/shared/events/billing/index';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishBillingRecord } from '../domain/ports';

export function buildPublishBillingRecord(client: SNSClient, topicArn: string): PublishBillingRecord {
  return async (record: Envelope<unknown>) => {
    const out = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify(record),
        MessageAttributes: billingMessageAttributes(record.metadata),
      }),
    );
    return out.MessageId ?? '';
  };
}
