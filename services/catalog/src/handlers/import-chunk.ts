/**
 * The worker (P18 fan-out): one chunk of an import per message, from the chunks queue
 * (bounded concurrency: the mapping's maximumConcurrency). Reads the chunk's products,
 * writes what changed with BatchWriteItem (25 per call, a few calls in flight, unprocessed
 * items retried with back-off and jitter), sends the stock counts to inventory's FIFO
 * queue, then counts the chunk on the job exactly once; the worker that counts the last
 * chunk asks the finaliser to complete the job.
 *
 * Runs on the platform's SQS consumer (shared/src/consumers): a message that is not a
 * chunk goes to the DLQ at once; any other failure leaves the message for another
 * delivery (the retry counts the same: see planChunk).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { sqsConsumer } from '@order-platform/shared/consumers/sqs';
import { PermanentError, PoisonMessageError } from '@order-platform/shared/errors';
import { currentCorrelationId, logger, withObservability } from '@order-platform/shared/observability';
import { buildRecordChunk } from '../adapters/jobs-table';
import { buildLoadProducts, buildWriteProducts } from '../adapters/products-table';
import { buildRequestFinalize, buildSendAdjustments } from '../adapters/queues';
import type { Chunk } from '../domain/chunk';
import { CURRENCIES, kindSchema, skuSchema } from '../domain/product';
import { processChunk } from '../domain/use-cases';
import { jobsTable, productsTable } from './deps';

/** A chunk needs a few seconds; with less left, leave it for the next delivery (X8). */
export const TIME_GUARD_MS = 15_000;

const count = () => z.number().check(z.int(), z.nonnegative());
const chunkSchema = z.object({
  jobId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  index: count(),
  etag: z.string().check(z.minLength(1)),
  rows: z.array(
    z.object({
      line: count(),
      sku: skuSchema,
      name: z.string().check(z.minLength(1)),
      kind: kindSchema,
      prices: z.partialRecord(z.enum(CURRENCIES), count()),
      stock: z.optional(count()),
    }),
  ),
});

export function parseChunk(body: string): Chunk {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('Chunk message is not JSON');
  }
  const parsed = chunkSchema.safeParse(raw);
  if (!parsed.success) throw new PermanentError(`Not an import chunk: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface WorkerDeps {
  process: ReturnType<typeof processChunk>;
  deadLetter: DeadLetter;
}

export function makeHandler(deps: WorkerDeps) {
  // One chunk per invocation: a failed chunk is reported like any partial failure (and
  // retried by SQS), not thrown as a whole-batch failure.
  return sqsConsumer({
    deadLetter: deps.deadLetter,
    timeGuardMs: TIME_GUARD_MS,
    handle: async (record) => {
      const chunk = parseChunk(record.body);
      const result = await deps.process(chunk);
      logger.info('Chunk', { jobId: chunk.jobId, chunk: chunk.index, rows: chunk.rows.length, ...result });
    },
  });
}

const cfg = loadConfig(['STOCK_ADJUSTMENTS_QUEUE_URL', 'FINALIZE_QUEUE_URL', 'CHUNKS_DLQ_URL']);
const products = productsTable();
const jobs = jobsTable();
const sqs = awsClient(SQSClient);

export const handler = withObservability(
  makeHandler({
    process: processChunk({
      loadProducts: buildLoadProducts(products.doc, products.table),
      writeProducts: buildWriteProducts(products.doc, products.table, { concurrency: 5 }),
      sendAdjustments: buildSendAdjustments(sqs, cfg.STOCK_ADJUSTMENTS_QUEUE_URL, currentCorrelationId),
      recordChunk: buildRecordChunk(jobs.doc, jobs.table),
      requestFinalize: buildRequestFinalize(sqs, cfg.FINALIZE_QUEUE_URL, currentCorrelationId),
      now: () => new Date(),
    }),
    deadLetter: buildDeadLetter(sqs, cfg.CHUNKS_DLQ_URL),
  }),
);
