/**
 * The splitter (P19 + the fan-out of P18): an object created under imports/ in the
 * catalog bucket (S3 notification with a prefix filter, asynchronous invoke) -> the file
 * streamed through csv-parse, each row validated, valid rows sent as chunks to the
 * chunks queue, bad lines kept for the report. Idempotent per file version (job id from
 * bucket, key and ETag): a redelivered event or a retry after a crash does nothing twice.
 * A failure is retried by Lambda (twice), then the event lands in the failures queue.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { currentCorrelationId, logger, withObservability } from '@order-platform/shared/observability';
import { buildCreateJob, buildFailJob, buildFinishSplit } from '../adapters/jobs-table';
import { buildOpenImportFile, buildPutManifest, buildPutReport } from '../adapters/import-bucket';
import { buildRequestFinalize, buildSendChunk } from '../adapters/queues';
import type { ImportSource } from '../domain/job';
import { startImport, type StartImportResult } from '../domain/use-cases';
import { jobsTable } from './deps';

/** The objects of an S3 event (keys arrive URL-encoded, spaces as '+'). */
export function sourcesOf(event: S3Event): ImportSource[] {
  return (event.Records ?? []).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    etag: r.s3.object.eTag,
  }));
}

export function makeHandler(start: ReturnType<typeof startImport>) {
  return async (event: S3Event): Promise<StartImportResult[]> => {
    const results: StartImportResult[] = [];
    for (const source of sourcesOf(event)) {
      const result = await start(source);
      logger.info('Import file', { ...source, ...result });
      results.push(result);
    }
    return results;
  };
}

const cfg = loadConfig(['CATALOG_BUCKET_NAME', 'CHUNKS_QUEUE_URL', 'FINALIZE_QUEUE_URL']);
const { doc, table } = jobsTable();
const s3 = awsClient(S3Client);
const sqs = awsClient(SQSClient);

export const handler = withObservability(
  makeHandler(
    startImport({
      createJob: buildCreateJob(doc, table),
      openFile: buildOpenImportFile(s3),
      sendChunk: buildSendChunk(sqs, cfg.CHUNKS_QUEUE_URL, currentCorrelationId),
      putManifest: buildPutManifest(s3, cfg.CATALOG_BUCKET_NAME),
      finishSplit: buildFinishSplit(doc, table),
      failJob: buildFailJob(doc, table),
      putReport: buildPutReport(s3, cfg.CATALOG_BUCKET_NAME),
      requestFinalize: buildRequestFinalize(sqs, cfg.FINALIZE_QUEUE_URL, currentCorrelationId),
      now: () => new Date(),
    }),
  ),
);
