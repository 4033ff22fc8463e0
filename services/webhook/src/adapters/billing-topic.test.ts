import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { buildPublishBillingEnvelopes } from './billing-topic';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:op-billing-notifier-dev-billing';

describe('buildPublishBillingEnvelopes (outbox rows → billing topic)', () => {
  beforeEach(() => sns.reset());

  it('publishes each record with the shared publisher and answers per envelope', async () => {
    const records = Array.from({ length: 12 }, () => samplePaymentCaptured());
    const refused = records[4]!.metadata.eventId;
    sns.on(PublishCommand).callsFake((input: { Message: string }) => {
      if (JSON.parse(input.Message).metadata.eventId === refused) throw new Error('throttled');
      return { MessageId: 'm' };
    });
    const errors: string[] = [];
    const publish = buildPublishBillingEnvelopes(
      buildPublishBillingRecord(new SNSClient({ region: 'us-east-1' }), TOPIC),
      { concurrency: 5, onError: (_e, id) => errors.push(id) },
    );

    const accepted = await publish(records);

    expect(accepted).toEqual(records.map((r) => r.metadata.eventId !== refused));
    expect(errors).toEqual([refused]);
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(12);
    expect(calls.every((c) => c.TopicArn === TOPIC)).toBe(true);
    expect(calls[0]!.MessageAttributes).toMatchObject({
      recordType: { DataType: 'String', StringValue: 'PaymentCaptured' },
      version: { DataType: 'Number', StringValue: '1' },
    });
  });
});
