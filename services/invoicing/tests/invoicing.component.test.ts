/**
 * Invoicing as a billing-notifier subscriber, against moto (SNS, SQS, DynamoDB, S3):
 * - the same PaymentCaptured published twice -> one invoice, one document, one InvoiceIssued (X1);
 * - a half-finished earlier attempt (invoice CREATED, nothing else) is resumed, not repeated;
 * - a record contradicting the invoice already issued goes to invoicing's DLQ at once.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { createTableFromTemplate } from '../../../test-support/src/aws';
import {
  captureTopic,
  messageCount,
  provisionMessaging,
  receiveAll,
  runEventSourceOf,
  type ProvisionedMessaging,
  type ProvisionedQueue,
} from '../../../test-support/src/sns-sqs';
import { createBucket } from '../../billing-notifier/tests/billing-world';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { draftInvoice } from '../src/domain/invoice';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let messaging: ProvisionedMessaging;
let handler: Handler;
let table: string;
let bucket: string;
let issuedCapture: ProvisionedQueue;
let publish: ReturnType<typeof buildPublishBillingRecord>;

beforeAll(async () => {
  const notifier = await provisionMessaging('services/billing-notifier');
  const topicArn = notifier.topics.BillingTopic!.arn;
  messaging = await provisionMessaging('services/invoicing', {
    imports: { 'op-billing-notifier-dev-BillingTopicArn': topicArn },
  });
  table = await createTableFromTemplate('services/invoicing', 'InvoicesTable');
  bucket = await createBucket('op-invoicing');
  issuedCapture = await captureTopic(topicArn, { recordType: ['InvoiceIssued'] });
  publish = buildPublishBillingRecord(new SNSClient({}), topicArn);
  Object.assign(process.env, {
    INVOICES_TABLE_NAME: table,
    INVOICES_BUCKET_NAME: bucket,
    BILLING_TOPIC_ARN: topicArn,
    INVOICING_DLQ_URL: messaging.queues.PaymentsDeadLetterQueue!.url,
  });
  handler = (await import('../src/handlers/issue-invoice')).handler as unknown as Handler;
});

const run = () => runEventSourceOf(messaging, 'issueInvoice', handler);

async function documentsFor(invoiceId: string) {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'invoices/' }));
  return (out.Contents ?? []).map((o) => o.Key!).filter((k) => k.includes(invoiceId));
}

describe('invoicing subscriber', () => {
  it('the same record published twice gives one invoice, one document and one InvoiceIssued', async () => {
    const payment = samplePaymentCaptured({}, 'corr-inv-1');
    await publish(payment);
    await publish(payment);
    expect(await messageCount(messaging.queues.PaymentsQueue!.url)).toBe(2);

    const report = await run();
    expect(report.succeeded).toHaveLength(2);

    const item = (
      await doc.send(new GetCommand({ TableName: table, Key: { paymentId: payment.data.paymentId } }))
    ).Item!;
    expect(item).toMatchObject({
      status: 'ISSUED',
      amount: payment.data.amount,
      correlationId: 'corr-inv-1',
    });
    const docs = await documentsFor(item.invoiceId);
    expect(docs).toEqual([item.documentKey]);
    const body = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.documentKey }))
      ).Body!.transformToString(),
    );
    expect(body).toMatchObject({
      invoiceId: item.invoiceId,
      paymentId: payment.data.paymentId,
      total: payment.data.amount,
    });

    const issued = (await receiveAll(issuedCapture.url, { delete: true })).map((m) => JSON.parse(m.Body!));
    expect(issued.filter((e) => e.data.paymentId === payment.data.paymentId)).toHaveLength(1);
    expect(issued[0].metadata).toMatchObject({
      eventType: 'InvoiceIssued',
      idempotencyKey: `invoice:${item.invoiceId}`,
      correlationId: 'corr-inv-1',
    });
    expect(issued[0].data.document).toEqual({ bucket, key: item.documentKey });
  });

  it('resumes an attempt that crashed after creating the invoice: same invoice, document and InvoiceIssued once', async () => {
    const payment = samplePaymentCaptured({}, 'corr-inv-2');
    const crashed = draftInvoice(payment.data, 'corr-inv-2', new Date('2026-11-19T09:00:00.000Z'));
    await doc.send(new PutCommand({ TableName: table, Item: crashed }));

    await publish(payment);
    const report = await run();
    expect(report.succeeded).toHaveLength(1);

    const item = (
      await doc.send(new GetCommand({ TableName: table, Key: { paymentId: payment.data.paymentId } }))
    ).Item!;
    expect(item).toMatchObject({
      status: 'ISSUED',
      invoiceId: crashed.invoiceId,
      issuedAt: '2026-11-19T09:00:00.000Z',
    });
    expect(await documentsFor(crashed.invoiceId)).toEqual([crashed.documentKey]);
    const issued = (await receiveAll(issuedCapture.url, { delete: true })).map((m) => JSON.parse(m.Body!));
    expect(issued.map((e) => e.data.invoiceId)).toEqual([crashed.invoiceId]);
  });

  it('sends a record that contradicts an issued invoice to its DLQ at once, and issues nothing', async () => {
    const payment = samplePaymentCaptured();
    await publish(payment);
    await run();
    await receiveAll(issuedCapture.url, { delete: true });

    const contradicting = samplePaymentCaptured({ ...payment.data, amount: payment.data.amount * 2 });
    await publish(contradicting);
    const report = await run();
    expect(report.failed).toEqual([]); // not retried: it can never succeed
    const parked = await receiveAll(messaging.queues.PaymentsDeadLetterQueue!.url, { delete: true });
    expect(parked).toHaveLength(1);
    expect(parked[0]!.MessageAttributes?.['failure.reason']?.StringValue).toMatch(
      /refusing a contradicting record/,
    );
    expect(await messageCount(issuedCapture.url)).toBe(0);
  });
});
