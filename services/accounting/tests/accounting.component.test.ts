/**
 * Accounting as a billing-notifier subscriber, against moto: every record type is
 * exported once per idempotency key (a redelivery rewrites the same object), and a
 * record whose attributes contradict its body is parked in the DLQ at once.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  sampleInvoiceIssued,
  samplePaymentCaptured,
  sampleRefundIssued,
} from '@order-platform/shared/events/billing/samples';
import {
  messageCount,
  provisionMessaging,
  receiveAll,
  runEventSourceOf,
  type ProvisionedMessaging,
} from '../../../test-support/src/sns-sqs';
import { createBucket } from '../../billing-notifier/tests/billing-world';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const s3 = new S3Client({});
let messaging: ProvisionedMessaging;
let handler: Handler;
let bucket: string;
let topicArn: string;
let publish: ReturnType<typeof buildPublishBillingRecord>;

beforeAll(async () => {
  const notifier = await provisionMessaging('services/billing-notifier');
  topicArn = notifier.topics.BillingTopic!.arn;
  messaging = await provisionMessaging('services/accounting', {
    imports: {
      'op-billing-notifier-dev-BillingTopicArn': topicArn,
      'op-billing-notifier-dev-BillingOpsTopicArn': notifier.topics.BillingOpsTopic!.arn,
    },
  });
  bucket = await createBucket('exports');
  publish = buildPublishBillingRecord(new SNSClient({}), topicArn);
  Object.assign(process.env, {
    EXPORTS_BUCKET_NAME: bucket,
    ACCOUNTING_DLQ_URL: messaging.queues.BillingRecordsDeadLetterQueue!.url,
  });
  handler = (await import('../src/handlers/export-billing-record')).handler as unknown as Handler;
});

const run = () => runEventSourceOf(messaging, 'exportBillingRecord', handler);
const listExports = async () =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'exports/' }))).Contents ?? [])
    .map((o) => o.Key!)
    .sort();

describe('accounting subscriber', () => {
  it('exports every record type once per idempotency key, under the day it happened', async () => {
    const payment = samplePaymentCaptured({ capturedAt: '2026-11-20T10:00:00.000Z' });
    const refund = sampleRefundIssued({ refundedAt: '2026-11-21T08:00:00.000Z' });
    const invoice = sampleInvoiceIssued({ issuedAt: '2026-11-20T10:01:00.000Z' });
    for (const r of [payment, refund, invoice, payment, refund]) await publish(r); // two redeliveries

    const report = await run();
    expect(report.succeeded).toHaveLength(5);
    const keys = await listExports();
    expect(keys).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith('exports/2026-11-20/'))).toHaveLength(2);
    expect(keys.filter((k) => k.startsWith('exports/2026-11-21/'))).toHaveLength(1);
    const refundKey = keys.find((k) => k.startsWith('exports/2026-11-21/'))!;
    const line = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: refundKey }))
      ).Body!.transformToString(),
    );
    expect(line).toMatchObject({
      recordType: 'RefundIssued',
      version: 1,
      idempotencyKey: refund.metadata.idempotencyKey,
      data: refund.data,
    });
  });

  it('parks a record whose attributes contradict its body, and exports the rest', async () => {
    const before = (await listExports()).length;
    const honest = samplePaymentCaptured();
    const liar = samplePaymentCaptured();
    await publish(honest);
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify(liar),
        MessageAttributes: {
          recordType: { DataType: 'String', StringValue: 'InvoiceIssued' },
          version: { DataType: 'Number', StringValue: '1' },
        },
      }),
    );
    const report = await run();
    expect(report.failed).toEqual([]);
    expect((await listExports()).length - before).toBe(1);
    const parked = await receiveAll(messaging.queues.BillingRecordsDeadLetterQueue!.url, { delete: true });
    expect(parked.map((m) => JSON.parse(m.Body!).metadata.idempotencyKey)).toEqual([
      liar.metadata.idempotencyKey,
    ]);
    expect(await messageCount(messaging.queues.BillingRecordsQueue!.url)).toBe(0);
  });
});
