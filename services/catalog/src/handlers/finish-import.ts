/**
 * The finaliser (P18 fan-in): one message per job on the finalize FIFO queue (group =
 * job, so never two at once for a job). Completes the job with the one conditional write
 * that can complete it, deactivates what a full import no longer names, writes the report
 * to results/<jobId>.json and publishes CatalogImported v1. A crash anywhere leaves the
 * message for another delivery, which finishes the same steps (each is idempotent).
 * Runs on the platform's FIFO consumer (shared/src/consumers); a request that can never
 * succeed goes to the FIFO DLQ in its own group.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { sqsFifoConsumer } from '@order-platform/shared/consumers/sqs';
import { PermanentError, PoisonMessageError } from '@order-platform/shared/errors';
import { currentCorrelationId, logger, withObservability } from '@order-platform/shared/observability';
import { buildPublishEvent } from '../adapters/event-bus';
import { buildGetManifest, buildPutReport } from '../adapters/import-bucket';
import { buildClaimCompletion, buildGetJob, buildMarkAnnounced } from '../adapters/jobs-table';
import { buildDeactivateProduct, buildScanProducts } from '../adapters/products-table';
import { finalizeImport } from '../domain/use-cases';
import { jobsTable, productsTable } from './deps';

export const TIME_GUARD_MS = 10_000;

export function parseRequest(body: string): string {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('Finalize request is not JSON');
  }
  const jobId = (raw as { jobId?: unknown } | null)?.jobId;
  if (typeof jobId === 'string' && /^[0-9a-f]{32}$/.test(jobId)) return jobId;
  throw new PermanentError('Not a finalize request ({ jobId })');
}

export interface FinaliserDeps {
  finalize: ReturnType<typeof finalizeImport>;
  /** Parks a message that can never succeed in the (FIFO) DLQ. */
  deadLetter: DeadLetter;
}

export function makeHandler(deps: FinaliserDeps) {
  return sqsFifoConsumer({
    deadLetter: deps.deadLetter,
    timeGuardMs: TIME_GUARD_MS,
    handle: async (record) => {
      const result = await deps.finalize(parseRequest(record.body));
      logger.info('Finalize', {
        jobId: result.jobId,
        outcome: result.outcome,
        ...(result.outcome === 'announced'
          ? { completedNow: result.completedNow, counts: result.report.counts }
          : {}),
      });
    },
  });
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
    deadLetter: buildDeadLetter(awsClient(SQSClient), cfg.FINALIZE_DLQ_URL),
  }),
);
