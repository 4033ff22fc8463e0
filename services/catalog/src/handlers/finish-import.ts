/**
 * The finaliser (P18 fan-in): one message per job on the finalize FIFO queue (group =
 * job, so never two at once for a job). Completes the job with the one conditional write
 * that can complete it, deactivates what a full import no longer names, writes the report
 * to results/<jobId>.json and publishes CatalogImported v1. A crash anywhere leaves the
 * message for another delivery, which finishes the same steps (each is idempotent).
 */
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { PermanentError } from '@order-platform/shared/errors';
import {
  currentCorrelationId,
  logger,
  setCorrelationId,
  withObservability,
} from '@order-platform/shared/observability';
import { buildPublishEvent } from '../adapters/event-bus';
import { buildGetManifest, buildPutReport } from '../adapters/import-bucket';
import { buildClaimCompletion, buildGetJob, buildMarkAnnounced } from '../adapters/jobs-table';
import { buildDeactivateProduct, buildScanProducts } from '../adapters/products-table';
import { finalizeImport } from '../domain/use-cases';
import { jobsTable, productsTable } from './deps';

export const TIME_GUARD_MS = 10_000;

export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

export function parseRequest(body: string): string {
  try {
    const { jobId } = JSON.parse(body) as { jobId?: unknown };
    if (typeof jobId === 'string' && /^[0-9a-f]{32}$/.test(jobId)) return jobId;
  } catch {
    // falls through
  }
  throw new PermanentError('Not a finalize request ({ jobId })');
}

export interface FinaliserDeps {
  finalize: ReturnType<typeof finalizeImport>;
  /** Parks a message that can never succeed in the (FIFO) DLQ. */
  deadLetter: (record: SQSRecord, reason: string) => Promise<void>;
}

export function makeHandler(deps: FinaliserDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new SqsFifoPartialProcessorAsync();
    const recordHandler = async (record: SQSRecord) => {
      if (context.getRemainingTimeInMillis() < TIME_GUARD_MS)
        throw new OutOfTimeError('Not enough time left; leaving this job for the next delivery');
      setCorrelationId(record.messageAttributes?.correlationId?.stringValue ?? record.messageId);
      try {
        const result = await deps.finalize(parseRequest(record.body));
        logger.info('Finalize', {
          jobId: result.jobId,
          outcome: result.outcome,
          ...(result.outcome === 'announced'
            ? { completedNow: result.completedNow, counts: result.report.counts }
            : {}),
        });
      } catch (error) {
        if (!(error instanceof PermanentError)) throw error;
        logger.error('Finalize request can never succeed; sent to the dead-letter queue', {
          reason: error.message,
        });
        await deps.deadLetter(record, error.message);
      }
    };
    return processPartialResponse(event, recordHandler, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  };
}

/** FIFO DLQ: the record's own group, one dedup id per source message. */
export function buildFifoDeadLetter(sqs: SQSClient, dlqUrl: string) {
  return async (record: SQSRecord, reason: string) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: record.body,
        MessageGroupId: record.attributes.MessageGroupId ?? 'unknown',
        MessageDeduplicationId: record.messageId,
        MessageAttributes: { failureReason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
      }),
    );
  };
}

const cfg = loadConfig(['CATALOG_BUCKET_NAME', 'EVENT_BUS_NAME', 'FINALIZE_DLQ_URL']);
const products = productsTable();
const jobs = jobsTable();
const s3 = awsClient(S3Client);

export const handler = withObservability(
  makeHandler({
    finalize: finalizeImport({
      getJob: buildGetJob(jobs.doc, jobs.table),
      claimCompletion: buildClaimCompletion(jobs.doc, jobs.table),
      getManifest: buildGetManifest(s3, cfg.CATALOG_BUCKET_NAME),
      scanProducts: buildScanProducts(products.doc, products.table),
      deactivateProduct: buildDeactivateProduct(products.doc, products.table),
      putReport: buildPutReport(s3, cfg.CATALOG_BUCKET_NAME),
      publish: buildPublishEvent(awsClient(EventBridgeClient), cfg.EVENT_BUS_NAME),
      markAnnounced: buildMarkAnnounced(jobs.doc, jobs.table),
      correlationId: currentCorrelationId,
      now: () => new Date(),
    }),
    deadLetter: buildFifoDeadLetter(awsClient(SQSClient), cfg.FINALIZE_DLQ_URL),
  }),
);
