/**
 * P18's hard part against moto: the job gathers its chunks exactly once whatever SQS and
 * Lambda do (a chunk delivered twice, a worker killed mid-chunk, finalisers racing), a
 * full import deactivates what it no longer names, and (P19) nothing the pipeline
 * writes (reports, manifests) can ever start an import: the bucket's notification is
 * the template's, with moto applying its prefix filter.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageCount, receiveAll, runSqsEventSource } from '@order-platform/test-support/sns-sqs';
import {
  buildClaimCompletion,
  buildGetJob,
  buildRecordChunk,
  documentClient,
} from '../src/adapters/jobs-table';
import { buildLoadProducts, buildWriteProducts } from '../src/adapters/products-table';
import { buildRequestFinalize, buildSendAdjustments } from '../src/adapters/queues';
import { jobIdOf } from '../src/domain/job';
import { processChunk } from '../src/domain/use-cases';
import {
  HEADER,
  catalogCsv,
  catalogWorld,
  countProducts,
  ctx,
  deliverS3Events,
  importFile,
  readReport,
  runFinaliser,
  runWorkers,
  upload,
  type CatalogWorld,
} from './world';

let w: CatalogWorld;
let makeHandler: (typeof import('../src/handlers/import-chunk'))['makeHandler'];
const sqs = new SQSClient({});

beforeAll(async () => {
  w = await catalogWorld();
  // After the world: the handler module reads its environment when first imported.
  ({ makeHandler } = await import('../src/handlers/import-chunk'));
});

const jobs = () => documentClient(new DynamoDBClient({}));
const job = (jobId: string) => buildGetJob(jobs(), w.jobsTable)(jobId);
const product = async (sku: string) =>
  (
    await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
      new GetCommand({ TableName: w.productsTable, Key: { sku }, ConsistentRead: true }),
    )
  ).Item;

/** The real worker, with a fault injected at one point of its first `failures` invocations. */
function crashingWorker(at: 'mid-write' | 'before-count', failures: number) {
  const products = documentClient(new DynamoDBClient({}));
  const realWrite = buildWriteProducts(products, w.productsTable, { concurrency: 5 });
  let left = failures;
  const sendAdjustments = buildSendAdjustments(sqs, w.stockQueue.url, () => 'test');
  return makeHandler({
    process: processChunk({
      loadProducts: buildLoadProducts(products, w.productsTable),
      writeProducts: async (items) => {
        if (at === 'mid-write' && left > 0) {
          left--;
          await realWrite(items.slice(0, 60)); // three BatchWriteItem calls land, then the worker dies
          throw new Error('worker killed mid-chunk');
        }
        await realWrite(items);
      },
      sendAdjustments: async (a) => {
        await sendAdjustments(a);
        if (at === 'before-count' && left > 0) {
          left--;
          throw new Error('worker killed before counting its chunk');
        }
      },
      recordChunk: buildRecordChunk(jobs(), w.jobsTable),
      requestFinalize: buildRequestFinalize(sqs, w.messaging.queues.FinalizeQueue!.url, () => 'test'),
      now: () => new Date(),
    }),
    deadLetter: async () => {
      throw new Error('no chunk here is permanently bad');
    },
  });
}

describe('fan-in: every chunk counted exactly once', () => {
  it('counts a chunk once however often it is delivered (S3 event twice, SQS message again)', async () => {
    // Prepare: a 1,200-row file split into 3 chunks; S3 delivers its event twice while the
    // job runs (the file is read again: 6 chunk messages), and SQS hands one out a third time
    const key = 'imports/delta/twice.csv';
    const etag = await upload(w, key, catalogCsv('TWICE', 1_200));
    const jobId = jobIdOf({ bucket: w.bucket, key, etag });
    const [event] = await receiveAll(w.s3Events.url, { delete: true });
    await w.handlers.startImport(JSON.parse(event!.Body!), ctx(300_000));
    const again = await w.handlers.startImport(JSON.parse(event!.Body!), ctx(300_000));
    expect(again).toEqual([{ outcome: 'split', jobId, chunks: 3, rows: 1_200, rejected: 0 }]);
    const chunks = await receiveAll(w.messaging.queues.ChunksQueue!.url, { delete: true });
    expect(chunks).toHaveLength(6);
    for (const m of [...chunks, chunks[1]!])
      await sqs.send(
        new SendMessageCommand({ QueueUrl: w.messaging.queues.ChunksQueue!.url, MessageBody: m.Body! }),
      );
    // Act
    const stats = await runWorkers(w);
    await runFinaliser(w);
    // Assess
    expect(stats.succeeded).toBe(7);
    expect(await job(jobId)).toMatchObject({
      status: 'COMPLETED',
      chunksTotal: 3,
      chunksDone: 3,
      created: 1_200,
    });
    expect((await readReport(w, jobId)).counts).toMatchObject({
      rows: 1_200,
      created: 1_200,
      updated: 0,
      unchanged: 0,
    });
    expect(await countProducts(w, 'TWICE-')).toBe(1_200);
    expect(await receiveAll(w.busQueueUrl, { delete: true })).toHaveLength(1);
  });

  it('counts the same when workers die mid-chunk or before counting, and nothing is written twice', async () => {
    // Prepare
    const key = 'imports/delta/killed.csv';
    const etag = await upload(w, key, catalogCsv('KILLED', 1_500, { stockEvery: 100 }));
    const jobId = jobIdOf({ bucket: w.bucket, key, etag });
    await deliverS3Events(w);
    const queue = w.messaging.queues.ChunksQueue!;
    // Act: the first two invocations die mid-write, the next one after its writes and its
    // stock but before counting; Lambda delivers each failed chunk again.
    const midWrite = crashingWorker('mid-write', 2);
    const beforeCount = crashingWorker('before-count', 1);
    let calls = 0;
    const run = await runSqsEventSource({
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      timeoutMs: w.worker.timeoutMs,
      handler: (event, context) => (++calls <= 2 ? midWrite : beforeCount)(event, context),
    });
    await runFinaliser(w);
    // Assess: 3 chunks, 3 failed attempts, every count as if nothing had happened
    expect(run.failed).toHaveLength(3);
    expect(run.succeeded).toHaveLength(3);
    expect(await job(jobId)).toMatchObject({
      status: 'COMPLETED',
      chunksDone: 3,
      created: 1_500,
      updated: 0,
      unchanged: 0,
      stockAdjustments: 15,
    });
    expect((await readReport(w, jobId)).counts).toMatchObject({
      created: 1_500,
      updated: 0,
      stockAdjustments: 15,
    });
    expect(await countProducts(w, 'KILLED-')).toBe(1_500);
    expect((await product('KILLED-0'))!.version).toBe(1);
    expect((await product('KILLED-1499'))!.version).toBe(1);
    // The re-sent stock adjustments were dropped by the FIFO queue (same deduplication id).
    expect(await messageCount(w.stockQueue.url)).toBe(15);
    await receiveAll(w.stockQueue.url, { delete: true });
    expect(await receiveAll(w.busQueueUrl, { delete: true })).toHaveLength(1);
  });

  it('completes a job with exactly one conditional write when finalisers race, and announces it once', async () => {
    // Prepare: a job whose chunks are all counted, the finalize request not yet handled
    const key = 'imports/delta/race.csv';
    const etag = await upload(w, key, catalogCsv('RACE', 50));
    const jobId = jobIdOf({ bucket: w.bucket, key, etag });
    await deliverS3Events(w);
    await runWorkers(w);
    const requests = await receiveAll(w.messaging.queues.FinalizeQueue!.url, { delete: true });
    expect(requests).toHaveLength(1);
    // Act: ten claims at once, then the finaliser handler twice with the same request
    const claim = buildClaimCompletion(jobs(), w.jobsTable);
    const won = await Promise.all(Array.from({ length: 10 }, () => claim(jobId, new Date().toISOString())));
    const record = (id: string) => ({
      Records: [
        {
          messageId: id,
          receiptHandle: id,
          body: requests[0]!.Body!,
          attributes: { MessageGroupId: jobId },
          messageAttributes: {},
          eventSourceARN: w.messaging.queues.FinalizeQueue!.arn,
        },
      ],
    });
    const first = await w.handlers.finishImport(record('m1') as never, ctx(120_000));
    const second = await w.handlers.finishImport(record('m2') as never, ctx(120_000));
    // Assess
    expect(won.filter(Boolean)).toHaveLength(1);
    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect(await job(jobId)).toMatchObject({ status: 'COMPLETED', announcedAt: expect.any(String) });
    expect(await receiveAll(w.busQueueUrl, { delete: true })).toHaveLength(1);
  });

  it('never starts an import for what the pipeline writes (results/, work/) or for keys outside imports/', async () => {
    // Act
    for (const key of ['results/x.json', 'work/x/manifest.json', 'exports/imports/x.csv', 'imports.csv'])
      await w.s3.send(
        new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: `${HEADER}\nNOPE-1,x,physical,1,,\n` }),
      );
    // Assess: the template's filter let nothing through; a real import's own writes neither
    expect(await deliverS3Events(w)).toEqual([]);
    const { report } = await importFile(w, 'imports/delta/after.csv', `${HEADER}\nAFTER-1,x,physical,1,,\n`);
    expect(report.status).toBe('COMPLETED');
    expect(await messageCount(w.s3Events.url)).toBe(0);
    expect(await countProducts(w, 'NOPE-')).toBe(0);
  });
});
