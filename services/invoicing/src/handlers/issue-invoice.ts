/**
 * Invoicing's subscription to the billing notifier (P12/P13): PaymentCaptured v1 records
 * from its own queue, one invoice per payment (see domain/issue-invoice.ts for why a
 * duplicate changes nothing). Partial batch responses, time guard and DLQ routing come
 * from the shared billing subscriber (X7, X8, X4).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { paymentCapturedV1 } from '@order-platform/shared/events/billing/index';
import type { DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { makeSubscriber } from '@order-platform/shared/events/billing/subscriber';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { issueInvoiceFor, type IssueOutcome } from '../domain/issue-invoice';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PaymentCapturedV1 } from '@order-platform/shared/events/billing/index';
import { buildClaimInvoice, buildMarkInvoiceIssued, documentClient } from '../adapters/invoices-table';
import { buildStoreInvoiceDocument } from '../adapters/invoice-documents';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { buildDeadLetter } from '@order-platform/shared/consumers/dead-letter';

export interface IssueInvoiceHandlerDeps {
  issue: (payment: Envelope<PaymentCapturedV1>) => Promise<IssueOutcome>;
  deadLetter: DeadLetter;
}

export function makeHandler(deps: IssueInvoiceHandlerDeps) {
  return makeSubscriber({
    accepted: [paymentCapturedV1],
    deadLetter: deps.deadLetter,
    handle: async ({ event }) => {
      const { outcome, invoice } = await deps.issue(event);
      if (outcome !== 'duplicate') metrics.addMetric('InvoiceIssued', MetricUnit.Count, 1);
      logger.info('Invoice handled', { outcome, invoiceId: invoice.invoiceId, paymentId: invoice.paymentId });
    },
  });
}

const cfg = loadConfig([
  'INVOICES_TABLE_NAME',
  'INVOICES_BUCKET_NAME',
  'BILLING_TOPIC_ARN',
  'INVOICING_DLQ_URL',
]);
const doc = documentClient(awsClient(DynamoDBClient));

export const handler = withObservability(
  makeHandler({
    issue: issueInvoiceFor({
      claimInvoice: buildClaimInvoice(doc, cfg.INVOICES_TABLE_NAME),
      storeDocument: buildStoreInvoiceDocument(awsClient(S3Client), cfg.INVOICES_BUCKET_NAME),
      publish: buildPublishBillingRecord(awsClient(SNSClient), cfg.BILLING_TOPIC_ARN),
      markIssued: buildMarkInvoiceIssued(doc, cfg.INVOICES_TABLE_NAME),
      bucket: cfg.INVOICES_BUCKET_NAME,
      now: () => new Date(),
    }),
    deadLetter: buildDeadLetter(awsClient(SQSClient), cfg.INVOICING_DLQ_URL),
  }),
);
