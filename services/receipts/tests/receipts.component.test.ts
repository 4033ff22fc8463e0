/**
 * Receipts as a billing-notifier subscriber, against moto (SNS, SQS, DynamoDB, SES v2):
 * one receipt per record however often it is delivered (X1), refunds too, and a record
 * that breaks the contract is parked in receipts' DLQ without blocking the batch.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { billingMessageAttributes } from '@order-platform/shared/events/billing/index';
import { samplePaymentCaptured, sampleRefundIssued } from '@order-platform/shared/events/billing/samples';
import { createTableFromTemplate } from '../../../test-support/src/aws';
import {
  messageCount,
  provisionMessaging,
  receiveAll,
  runEventSourceOf,
  type ProvisionedMessaging,
} from '../../../test-support/src/sns-sqs';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { sentEmails, verifiedSender } from './ses-outbox';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let messaging: ProvisionedMessaging;
let handler: Handler;
let sender: string;
let publish: ReturnType<typeof buildPublishBillingRecord>;
let topicArn: string;

beforeAll(async () => {
  const notifier = await provisionMessaging('services/billing-notifier');
  topicArn = notifier.topics.BillingTopic!.arn;
  messaging = await provisionMessaging('services/receipts', {
    imports: {
      'op-billing-notifier-dev-BillingTopicArn': topicArn,
      'op-platform-dev-EventBusArn': 'arn:aws:events:us-east-1:123456789012:event-bus/unused',
    },
  });
  sender = await verifiedSender();
  publish = buildPublishBillingRecord(new SNSClient({}), topicArn);
  Object.assign(process.env, {
    RECEIPTS_TABLE_NAME: await createTableFromTemplate('services/receipts', 'ReceiptsTable'),
    SENDER_ADDRESS: sender,
    RECEIPTS_DLQ_URL: messaging.queues.BillingRecordsDeadLetterQueue!.url,
  });
  handler = (await import('../src/handlers/send-receipts')).handler as unknown as Handler;
});

const run = () => runEventSourceOf(messaging, 'sendReceipts', handler);

describe('receipts subscriber', () => {
  it('sends one receipt per record, however often the record is delivered', async () => {
    const payment = samplePaymentCaptured({ amount: 12_345, currency: 'GBP' });
    await publish(payment);
    await publish(payment);
    const report = await run();
    expect(report.succeeded).toHaveLength(2);
    const mails = await sentEmails(payment.data.customerEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ source: sender, subject: `Receipt for order ${payment.data.orderId}` });
    expect(mails[0]!.body).toContain('123.45 GBP');

    await publish(payment); // a later redelivery
    await run();
    expect(await sentEmails(payment.data.customerEmail)).toHaveLength(1);
  });

  it('sends refund receipts', async () => {
    const refund = sampleRefundIssued();
    await publish(refund);
    await run();
    const mails = await sentEmails(refund.data.customerEmail);
    expect(mails.map((m) => m.subject)).toEqual([`Refund for order ${refund.data.orderId}`]);
  });

  it('parks a record that breaks the contract at once, and still sends the others of the batch', async () => {
    const good = samplePaymentCaptured();
    // A producer bug: a PaymentCaptured v1 without the payer's address.
    const broken = JSON.parse(JSON.stringify(samplePaymentCaptured()));
    delete broken.data.customerEmail;
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify(broken),
        MessageAttributes: billingMessageAttributes(broken.metadata),
      }),
    );
    await publish(good);
    const report = await run();
    expect(report.failed).toEqual([]); // no retries for what can never succeed
    expect(await sentEmails(good.data.customerEmail)).toHaveLength(1);
    const parked = await receiveAll(messaging.queues.BillingRecordsDeadLetterQueue!.url, { delete: true });
    expect(parked.map((m) => JSON.parse(m.Body!).metadata.idempotencyKey)).toEqual([
      broken.metadata.idempotencyKey,
    ]);
    expect(parked[0]!.MessageAttributes?.['failure.reason']?.StringValue).toMatch(
      /Invalid PaymentCaptured v1 data: customerEmail/,
    );
    expect(await messageCount(messaging.queues.BillingRecordsQueue!.url)).toBe(0);
  });
});
