/**
 * Accounting's subscription to the billing notifier's private billing-ops topic (the
 * distributed trigger, P14): every stored invoice document is listed in the export.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { invoiceDocumentStoredV1 } from '@order-platform/shared/events/billing/index';
import { withObservability } from '@order-platform/shared/observability';
import { buildPutExportObject } from '../adapters/exports-bucket';
import { buildDeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { makeExporter, type ExporterDeps } from './exporter';

export const makeHandler = (deps: ExporterDeps) => makeExporter([invoiceDocumentStoredV1], deps);

const cfg = loadConfig(['EXPORTS_BUCKET_NAME', 'ACCOUNTING_DOCUMENTS_DLQ_URL']);

export const handler = withObservability(
  makeHandler({
    putExport: buildPutExportObject(awsClient(S3Client), cfg.EXPORTS_BUCKET_NAME),
    deadLetter: buildDeadLetter(awsClient(SQSClient), cfg.ACCOUNTING_DOCUMENTS_DLQ_URL),
  }),
);
