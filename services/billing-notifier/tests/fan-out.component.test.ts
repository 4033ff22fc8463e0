/**
 * P12 + P13: the billing notifier topic and its three self-subscribed subscribers, in
 * moto (SNS filter policies, raw delivery, SQS redrive), with the real handlers.
 * - one publish reaches each interested subscriber exactly once; filter policies route
 *   each record type only where it belongs (InvoiceIssued reaches accounting only);
 * - a record version nobody declared reaches nobody;
 * - a poison message in one subscriber goes to that subscriber's DLQ; the others carry on.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { billingMessageAttributes } from '@order-platform/shared/events/billing/index';
import {
  sampleInvoiceIssued,
  samplePaymentCaptured,
  sampleRefundIssued,
} from '@order-platform/shared/events/billing/samples';
import { messageCount, receiveAll } from '../../../test-support/src/sns-sqs';
import { sentEmails } from '../../receipts/tests/ses-outbox';
import { billingWorld, type BillingWorld } from './billing-world';

let w: BillingWorld;
const s3 = new S3Client({});

beforeAll(async () => {
  w = await billingWorld();
});

/** The idempotency keys of the billing records among these (a poison body has none). */
const keysOf = (records: { body: string }[]) =>
  records
    .map((r) => (JSON.parse(r.body) as { metadata?: { idempotencyKey: string } }).metadata?.idempotencyKey)
    .filter((k): k is string => k !== undefined)
    .sort();

async function exportedKeys(prefix = 'exports/'): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: w.exportsBucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function depth() {
  return {
    invoicing: await messageCount(w.invoicing.queues.PaymentsQueue!.url),
    receipts: await messageCount(w.receipts.queues.BillingRecordsQueue!.url),
    accounting: await messageCount(w.accounting.queues.BillingRecordsQueue!.url),
  };
}

describe('billing notifier fan-out', () => {
  it('routes each record type only to the subscribers that filter for it, once each', async () => {
    const payment = samplePaymentCaptured();
    const refund = sampleRefundIssued();
    const foreignInvoice = sampleInvoiceIssued();

    await w.publish(payment);
    await w.publish(refund);
    await w.publish(foreignInvoice);

    // Filter policies (from the subscribers' own templates) did the routing.
    expect(await depth()).toEqual({ invoicing: 1, receipts: 2, accounting: 3 });

    const invoicing = await w.run('invoicing');
    expect(keysOf(invoicing.delivered)).toEqual([payment.metadata.idempotencyKey]);
    expect(invoicing.failed).toEqual([]);
    // Invoicing published InvoiceIssued back to the topic: it reaches accounting only.
    expect(await depth()).toEqual({ invoicing: 0, receipts: 2, accounting: 4 });

    const receipts = await w.run('receipts');
    expect(keysOf(receipts.delivered)).toEqual(
      [payment.metadata.idempotencyKey, refund.metadata.idempotencyKey].sort(),
    );
    expect(await sentEmails(payment.data.customerEmail)).toHaveLength(1);
    expect(await sentEmails(refund.data.customerEmail)).toHaveLength(1);

    const accounting = await w.run('accounting');
    const delivered = keysOf(accounting.delivered);
    expect(delivered).toHaveLength(4);
    expect(new Set(delivered).size).toBe(4); // each record once
    expect(delivered).toEqual(
      expect.arrayContaining([
        payment.metadata.idempotencyKey,
        refund.metadata.idempotencyKey,
        foreignInvoice.metadata.idempotencyKey,
      ]),
    );
    expect(delivered.filter((k) => k.startsWith('invoice:'))).toHaveLength(2); // the foreign one and ours
    expect(await exportedKeys()).toHaveLength(4);

    for (const dlq of [
      w.invoicing.queues.PaymentsDeadLetterQueue!,
      w.receipts.queues.BillingRecordsDeadLetterQueue!,
      w.accounting.queues.BillingRecordsDeadLetterQueue!,
    ]) {
      expect(await messageCount(dlq.url)).toBe(0);
    }
  });

  it('a version no subscriber declares reaches nobody', async () => {
    const before = await depth();
    const v2 = JSON.parse(JSON.stringify(samplePaymentCaptured()));
    v2.metadata.version = 2;
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: w.topicArn,
        Message: JSON.stringify(v2),
        MessageAttributes: billingMessageAttributes(v2.metadata),
      }),
    );
    expect(await depth()).toEqual(before);
  });

  it('a poison message goes to the DLQ of the subscriber it reached; every other record is processed', async () => {
    const payment = samplePaymentCaptured();
    await w.publish(payment);
    // Claims to be an InvoiceIssued v1 (so only accounting's filter lets it in), but is not an envelope.
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: w.topicArn,
        Message: '{"hello":"not a billing record"}',
        MessageAttributes: {
          recordType: { DataType: 'String', StringValue: 'InvoiceIssued' },
          version: { DataType: 'Number', StringValue: '1' },
        },
      }),
    );
    expect(await depth()).toEqual({ invoicing: 1, receipts: 1, accounting: 2 });

    const accounting = await w.run('accounting');
    const invoicing = await w.run('invoicing');
    const receipts = await w.run('receipts');
    const accountingAfterInvoice = await w.run('accounting');

    // The poison was acknowledged in the batch (no retries) and parked in accounting's DLQ, with its reason.
    expect(accounting.failed).toEqual([]);
    const parked = await receiveAll(w.accounting.queues.BillingRecordsDeadLetterQueue!.url, { delete: true });
    expect(parked.map((m) => m.Body)).toEqual(['{"hello":"not a billing record"}']);
    expect(parked[0]!.MessageAttributes?.['failure.reason']?.StringValue).toMatch(
      /PermanentError: Not a platform event envelope/,
    );
    expect(parked[0]!.MessageAttributes?.recordType?.StringValue).toBe('InvoiceIssued');

    // Everyone else carried on.
    expect(invoicing.succeeded).toHaveLength(1);
    expect(receipts.succeeded).toHaveLength(1);
    expect(await sentEmails(payment.data.customerEmail)).toHaveLength(1);
    expect(accounting.succeeded).toHaveLength(2); // the payment, and the poison (acknowledged once parked)
    expect(keysOf(accounting.succeeded)).toEqual([payment.metadata.idempotencyKey]);
    expect(keysOf(accountingAfterInvoice.succeeded)).toHaveLength(1); // the InvoiceIssued invoicing just published
    expect(await messageCount(w.invoicing.queues.PaymentsDeadLetterQueue!.url)).toBe(0);
    expect(await messageCount(w.receipts.queues.BillingRecordsDeadLetterQueue!.url)).toBe(0);
  });
});
