/**
 * The billing notifier and its three subscribers, stood up in moto from their packaged
 * templates: the notifier's topics, each subscriber's own queue + DLQ + filtered
 * subscription, their tables and buckets, and the real handlers with their environment.
 * Nothing here re-describes a subscription: filter policies come from the templates.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createTableFromTemplate, uniqueName } from '../../../test-support/src/aws';
import {
  provisionMessaging,
  runEventSourceOf,
  type ProvisionedMessaging,
} from '../../../test-support/src/sns-sqs';
import { verifiedSender } from '../../receipts/tests/ses-outbox';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface BillingWorld {
  notifier: ProvisionedMessaging;
  invoicing: ProvisionedMessaging;
  receipts: ProvisionedMessaging;
  accounting: ProvisionedMessaging;
  topicArn: string;
  opsTopicArn: string;
  invoicesBucket: string;
  invoicesTable: string;
  receiptsTable: string;
  exportsBucket: string;
  sender: string;
  publish: ReturnType<typeof buildPublishBillingRecord>;
  handlers: {
    issueInvoice: Handler;
    sendReceipts: Handler;
    exportBillingRecord: Handler;
    exportInvoiceDocument: Handler;
  };
  /** Plays each subscriber's event source once until its queue is empty. */
  run: (
    subscriber: 'invoicing' | 'receipts' | 'accounting' | 'documents',
  ) => ReturnType<typeof runEventSourceOf>;
}

export async function createBucket(prefix: string): Promise<string> {
  const name = uniqueName(prefix).toLowerCase();
  await new S3Client({}).send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

export async function billingWorld(opts: { invoicesTableMissing?: boolean } = {}): Promise<BillingWorld> {
  const notifier = await provisionMessaging('services/billing-notifier');
  const topicArn = notifier.topics.BillingTopic!.arn;
  const opsTopicArn = notifier.topics.BillingOpsTopic!.arn;
  const imports = {
    'op-billing-notifier-dev-BillingTopicArn': topicArn,
    'op-billing-notifier-dev-BillingOpsTopicArn': opsTopicArn,
  };
  const [invoicing, receipts, accounting] = await Promise.all([
    provisionMessaging('services/invoicing', { imports }),
    provisionMessaging('services/receipts', {
      imports: {
        ...imports,
        'op-platform-dev-EventBusArn': 'arn:aws:events:us-east-1:123456789012:event-bus/unused',
      },
    }),
    provisionMessaging('services/accounting', { imports }),
  ]);
  const invoicesTable = opts.invoicesTableMissing
    ? uniqueName('no-such-table')
    : await createTableFromTemplate('services/invoicing', 'InvoicesTable');
  const receiptsTable = await createTableFromTemplate('services/receipts', 'ReceiptsTable');
  const [invoicesBucket, exportsBucket, sender] = await Promise.all([
    createBucket('invoices'),
    createBucket('exports'),
    verifiedSender(),
  ]);

  Object.assign(process.env, {
    INVOICES_TABLE_NAME: invoicesTable,
    INVOICES_BUCKET_NAME: invoicesBucket,
    BILLING_TOPIC_ARN: topicArn,
    INVOICING_DLQ_URL: invoicing.queues.PaymentsDeadLetterQueue!.url,
    RECEIPTS_TABLE_NAME: receiptsTable,
    SENDER_ADDRESS: sender,
    RECEIPTS_DLQ_URL: receipts.queues.BillingRecordsDeadLetterQueue!.url,
    EXPORTS_BUCKET_NAME: exportsBucket,
    ACCOUNTING_DLQ_URL: accounting.queues.BillingRecordsDeadLetterQueue!.url,
    ACCOUNTING_DOCUMENTS_DLQ_URL: accounting.queues.DocumentsDeadLetterQueue!.url,
  });
  const handlers = {
    issueInvoice: (await import('../../invoicing/src/handlers/issue-invoice')).handler as unknown as Handler,
    sendReceipts: (await import('../../receipts/src/handlers/send-receipts')).handler as unknown as Handler,
    exportBillingRecord: (await import('../../accounting/src/handlers/export-billing-record'))
      .handler as unknown as Handler,
    exportInvoiceDocument: (await import('../../accounting/src/handlers/export-invoice-document'))
      .handler as unknown as Handler,
  };
  const run = (subscriber: 'invoicing' | 'receipts' | 'accounting' | 'documents') => {
    switch (subscriber) {
      case 'invoicing':
        return runEventSourceOf(invoicing, 'issueInvoice', handlers.issueInvoice);
      case 'receipts':
        return runEventSourceOf(receipts, 'sendReceipts', handlers.sendReceipts);
      case 'accounting':
        return runEventSourceOf(accounting, 'exportBillingRecord', handlers.exportBillingRecord);
      case 'documents':
        return runEventSourceOf(accounting, 'exportInvoiceDocument', handlers.exportInvoiceDocument);
    }
  };
  return {
    notifier,
    invoicing,
    receipts,
    accounting,
    topicArn,
    opsTopicArn,
    invoicesBucket,
    invoicesTable,
    receiptsTable,
    exportsBucket,
    sender,
    publish: buildPublishBillingRecord(new SNSClient({}), topicArn),
    handlers,
    run,
  };
}
