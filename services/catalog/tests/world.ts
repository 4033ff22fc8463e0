/**
 * The catalog stood up in moto from its packaged template: both tables, the bucket with
 * the template's own notification filter (aimed at a capture queue, since moto cannot
 * invoke a function: moto applies the prefix filter for real), the chunks and finalize
 * queues with their DLQs and redrive policies, inventory's FIFO adjustments queue, a bus
 * with an observer queue, and the real handlers with the environment the template gives
 * them. Each test file builds one world (unique names), so files never share state.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  busWithQueueTarget,
  createTableFromTemplate,
  lambdaContext,
  uniqueName,
} from '@order-platform/test-support/aws';
import {
  createQueue,
  provisionMessaging,
  receiveAll,
  type ProvisionedMessaging,
  type ProvisionedQueue,
} from '@order-platform/test-support/sns-sqs';
import { drainQueue, type DriverStats } from '@order-platform/test-support/sqs-driver';
import {
  lambdaFunction,
  loadTemplate,
  resource,
  resourcesOfType,
} from '@order-platform/test-support/template';
import { jobIdOf, reportKeyOf, type ImportReport } from '../src/domain/job';
import type { StartImportResult } from '../src/domain/use-cases';

export const STACK = 'services/catalog';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type S3Handler = (event: S3Event, context: Context) => Promise<StartImportResult[]>;
type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface CatalogWorld {
  bucket: string;
  productsTable: string;
  jobsTable: string;
  messaging: ProvisionedMessaging;
  stockQueue: ProvisionedQueue;
  busQueueUrl: string;
  s3Events: ProvisionedQueue;
  s3: S3Client;
  handlers: {
    startImport: S3Handler;
    importChunk: SqsHandler;
    finishImport: SqsHandler;
    getProduct: AnyHandler;
    listProducts: AnyHandler;
    priceLines: AnyHandler;
  };
  /** The fan-out bound and worker timeout the template declares. */
  worker: { concurrency: number; timeoutMs: number };
}

/** The mapping's maximumConcurrency for a function's SQS event source. */
function maximumConcurrency(functionName: string): number {
  const t = loadTemplate(STACK);
  const [id] = lambdaFunction(t, functionName);
  const mapping = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').find(([, m]) =>
    JSON.stringify(m.Properties?.FunctionName).includes(id),
  )!;
  return Number(mapping[1].Properties!.ScalingConfig.MaximumConcurrency);
}

export async function catalogWorld(): Promise<CatalogWorld> {
  const s3 = new S3Client({ forcePathStyle: true });
  const bucket = uniqueName('op-catalog').toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const [productsTable, jobsTable] = await Promise.all([
    createTableFromTemplate(STACK, 'ProductsTable'),
    createTableFromTemplate(STACK, 'ImportJobsTable'),
  ]);
  const inventory = await provisionMessaging('services/inventory');
  const stockQueue = inventory.queues.StockAdjustmentsQueue!;
  const bus = await busWithQueueTarget({ source: ['order-platform.catalog'] });
  const messaging = await provisionMessaging(STACK, {
    refs: { ProductsTable: productsTable, ImportJobsTable: jobsTable, CatalogBucket: bucket },
    attrs: { CatalogBucket: { Arn: `arn:aws:s3:::${bucket}` } },
    imports: {
      'op-platform-dev-EventBusName': bus.busName,
      'op-platform-dev-EventBusArn': `arn:aws:events:us-east-1:123456789012:event-bus/${bus.busName}`,
      'op-inventory-dev-StockAdjustmentsQueueUrl': stockQueue.url,
      'op-inventory-dev-StockAdjustmentsQueueArn': stockQueue.arn,
    },
  });

  // The bucket's notification exactly as the template declares it (events, prefix filter),
  // delivering to a capture queue instead of the function.
  const t = loadTemplate(STACK);
  const lambdaConfigs = resource(t, 'CatalogBucket').Properties!.NotificationConfiguration
    .LambdaConfigurations as {
    Event: string;
    Filter: { S3Key: { Rules: { Name: string; Value: string }[] } };
  }[];
  const s3Events = await createQueue('catalog-s3-events');
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: lambdaConfigs.map((c) => ({
          QueueArn: s3Events.arn,
          Events: [c.Event as 's3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: c.Filter.S3Key.Rules.map((r) => ({ Name: r.Name as 'prefix', Value: r.Value })),
            },
          },
        })),
      },
    }),
  );
  await receiveAll(s3Events.url, { delete: true }); // S3's s3:TestEvent

  // Every function's environment from the template (the bucket name is a naming rule there).
  for (const fn of [
    'startImport',
    'importChunk',
    'finishImport',
    'getProduct',
    'listProducts',
    'priceLines',
  ]) {
    const [, f] = lambdaFunction(t, fn);
    Object.assign(process.env, messaging.resolve(f.Properties!.Environment.Variables));
  }
  process.env.CATALOG_BUCKET_NAME = bucket;

  const handler = (m: { handler: unknown }) => m.handler as never;
  return {
    bucket,
    productsTable,
    jobsTable,
    messaging,
    stockQueue,
    busQueueUrl: bus.queueUrl,
    s3Events,
    s3,
    handlers: {
      startImport: handler(await import('../src/handlers/start-import')),
      importChunk: handler(await import('../src/handlers/import-chunk')),
      finishImport: handler(await import('../src/handlers/finish-import')),
      getProduct: handler(await import('../src/handlers/get-product')),
      listProducts: handler(await import('../src/handlers/list-products')),
      priceLines: handler(await import('../src/handlers/price-lines')),
    },
    worker: {
      concurrency: maximumConcurrency('importChunk'),
      timeoutMs: Number(lambdaFunction(t, 'importChunk')[1].Properties!.Timeout) * 1000,
    },
  };
}

export const ctx = (timeoutMs = 60_000) => lambdaContext(timeoutMs) as unknown as Context;

export async function upload(w: CatalogWorld, key: string, body: string | Buffer): Promise<string> {
  const out = await w.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: body }));
  return out.ETag!;
}

/** What S3 would have invoked the splitter with since the last call, each event once. */
export async function deliverS3Events(w: CatalogWorld): Promise<StartImportResult[]> {
  const messages = await receiveAll(w.s3Events.url, { delete: true });
  const results: StartImportResult[] = [];
  for (const m of messages)
    results.push(...(await w.handlers.startImport(JSON.parse(m.Body!) as S3Event, ctx(300_000))));
  return results;
}

/** The workers, as the event source mapping runs them: `concurrency` chunks at a time, one per invocation. */
export function runWorkers(
  w: CatalogWorld,
  handler: SqsHandler = w.handlers.importChunk,
): Promise<DriverStats> {
  return drainQueue({
    queueUrl: w.messaging.queues.ChunksQueue!.url,
    handler,
    concurrency: w.worker.concurrency,
    batchSize: 1,
    functionTimeoutMs: w.worker.timeoutMs,
    deadlineMs: 50_000,
  });
}

export function runFinaliser(w: CatalogWorld): Promise<DriverStats> {
  return drainQueue({
    queueUrl: w.messaging.queues.FinalizeQueue!.url,
    handler: w.handlers.finishImport,
    concurrency: 2,
    batchSize: 1,
    functionTimeoutMs: 120_000,
    deadlineMs: 30_000,
  });
}

export async function readReport(w: CatalogWorld, jobId: string): Promise<ImportReport> {
  const out = await w.s3.send(new GetObjectCommand({ Bucket: w.bucket, Key: reportKeyOf(jobId) }));
  return JSON.parse(await out.Body!.transformToString()) as ImportReport;
}

/** Upload, S3 event, splitter, workers, finaliser: the whole import; returns its report. */
export async function importFile(w: CatalogWorld, key: string, body: string | Buffer) {
  const etag = await upload(w, key, body);
  const jobId = jobIdOf({ bucket: w.bucket, key, etag });
  const split = await deliverS3Events(w);
  const workers = await runWorkers(w);
  await runFinaliser(w);
  return { jobId, split, workers, report: await readReport(w, jobId) };
}

/** Products whose SKU starts with `prefix` (a consistent Scan). */
export async function countProducts(w: CatalogWorld, prefix: string): Promise<number> {
  const dynamo = new DynamoDBClient({});
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await dynamo.send(
      new ScanCommand({
        TableName: w.productsTable,
        Select: 'COUNT',
        ConsistentRead: true,
        FilterExpression: 'begins_with(sku, :p)',
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as never;
  } while (start);
  return count;
}

export const HEADER = 'sku,name,kind,price_eur,price_usd,stock';

/**
 * `n` valid rows `<prefix>-<i>`; every 3rd a digital product, every 5th with a USD price,
 * every `stockEvery`th with a stock count (moto's FIFO SendMessage slows down as the queue
 * fills, so tests send few adjustments).
 */
export function catalogCsv(
  prefix: string,
  n: number,
  opts: { price?: number; stockEvery?: number } = {},
): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const kind = i % 3 === 0 ? 'digital' : 'physical';
    lines.push(
      `${prefix}-${i},"${prefix} item ${i}, the ""best""",${kind},${(opts.price ?? 1000) + (i % 7)},${i % 5 === 0 ? 1500 : ''},${opts.stockEvery && i % opts.stockEvery === 0 ? i % 50 : ''}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
