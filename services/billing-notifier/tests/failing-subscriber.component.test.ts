/**
 * P13: a failing subscriber never blocks the others. Invoicing's table is missing (a
 * real DynamoDB error, temporary by nature): every attempt fails, SQS redrives the record
 * to invoicing's DLQ after maxReceiveCount receives (moto's own RedrivePolicy), while
 * receipts and accounting process the same publish normally.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { samplePaymentCaptured } from '@order-platform/shared/events/billing/samples';
import { messageCount, receiveAll } from '../../../test-support/src/sns-sqs';
import { sentEmails } from '../../receipts/tests/ses-outbox';
import { billingWorld, type BillingWorld } from './billing-world';

let w: BillingWorld;

beforeAll(async () => {
  w = await billingWorld({ invoicesTableMissing: true });
});

describe('a failing subscriber', () => {
  it('retries up to maxReceiveCount, lands in its own DLQ, and the others are unaffected', async () => {
    const payment = samplePaymentCaptured();
    await w.publish(payment);

    const invoicing = await w.run('invoicing');
    const receipts = await w.run('receipts');
    const accounting = await w.run('accounting');

    const maxReceiveCount = Number(
      JSON.parse(JSON.stringify(w.invoicing.template.Resources.PaymentsQueue!.Properties!.RedrivePolicy))
        .maxReceiveCount,
    );
    expect(invoicing.succeeded).toEqual([]);
    expect(invoicing.failed).toHaveLength(maxReceiveCount);
    expect(invoicing.failed.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(
      Array.from({ length: maxReceiveCount }, (_, i) => String(i + 1)),
    );
    const parked = await receiveAll(w.invoicing.queues.PaymentsDeadLetterQueue!.url);
    expect(parked.map((m) => JSON.parse(m.Body!).metadata.idempotencyKey)).toEqual([
      payment.metadata.idempotencyKey,
    ]);
    expect(await messageCount(w.invoicing.queues.PaymentsQueue!.url)).toBe(0);

    expect(receipts.succeeded).toHaveLength(1);
    expect(await sentEmails(payment.data.customerEmail)).toHaveLength(1);
    expect(accounting.succeeded).toHaveLength(1);
    const exported = await new S3Client({}).send(
      new ListObjectsV2Command({ Bucket: w.exportsBucket, Prefix: 'exports/' }),
    );
    expect(exported.KeyCount).toBe(1);
  });
});
