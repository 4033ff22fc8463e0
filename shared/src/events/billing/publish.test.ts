import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { samplePaymentCaptured } from './samples';
import { buildPublishBillingRecord } from './publish';

const sns = mockClient(SNSClient);

describe('buildPublishBillingRecord (the one billing publisher)', () => {
  beforeEach(() => sns.reset());

  it('publishes the envelope as the body, with recordType, version and correlationId attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const record = samplePaymentCaptured({}, 'corr-7');
    const id = await buildPublishBillingRecord(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:123456789012:billing',
    )(record);
    expect(id).toBe('m-1');
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:billing');
    expect(JSON.parse(input.Message!)).toEqual(record);
    expect(input.MessageAttributes).toEqual({
      recordType: { DataType: 'String', StringValue: 'PaymentCaptured' },
      version: { DataType: 'Number', StringValue: '1' },
      correlationId: { DataType: 'String', StringValue: 'corr-7' },
    });
  });

  it('lets a publish failure surface (the caller retries; nothing is swallowed)', async () => {
    sns.on(PublishCommand).rejects(new Error('throttled'));
    await expect(
      buildPublishBillingRecord(new SNSClient({ region: 'us-east-1' }), 'arn:t')(samplePaymentCaptured()),
    ).rejects.toThrow('throttled');
  });
});
