/**
 * P14, the distributed trigger: an invoice document stored under invoices/ in the
 * invoicing bucket -> (S3 event, asynchronous invoke) announceInvoiceDocument -> the
 * private billing-ops topic -> the queues that subscribed to it (accounting's documents
 * queue) -> accounting's export. An object under any other prefix triggers nothing.
 *
 * The bucket's notification is the invoicing template's own (events + prefix filter).
 * moto cannot invoke a Lambda function, so the notification's target is swapped for a
 * capture queue with the same events and filter: moto applies the prefix filter for real,
 * and each captured S3 event is handed to the real handler with Lambda's async semantics
 * (retries, on-failure destination) from the function's EventInvokeConfig.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate, lambdaFunction, resource } from '../../../test-support/src/template';
import {
  eventInvokeConfigFromTemplate,
  invokeAsync,
  type EventInvokeConfig,
} from '../../../test-support/src/lambda-async';
import {
  captureTopic,
  createQueue,
  messageCount,
  receiveAll,
  type ProvisionedQueue,
} from '../../../test-support/src/sns-sqs';
import { billingWorld, createBucket, type BillingWorld } from './billing-world';

/** The handler as Lambda calls it: with whatever event the async invoke carries. */
type Announce = (event: unknown) => Promise<{ announced: number; ignored: number }>;

const s3 = new S3Client({});
let w: BillingWorld;
let bucket: string;
let s3Events: ProvisionedQueue;
let opsCapture: ProvisionedQueue;
let announce: Announce;
let invokeConfig: EventInvokeConfig;

beforeAll(async () => {
  w = await billingWorld();
  bucket = await createBucket('op-invoicing');

  // The invoicing bucket's notification, as its template declares it, aimed at a capture queue.
  const invoicing = loadTemplate('services/invoicing');
  const lambdaConfigs = resource(invoicing, 'InvoicesBucket').Properties!.NotificationConfiguration
    .LambdaConfigurations as {
    Event: string;
    Filter: { S3Key: { Rules: { Name: string; Value: string }[] } };
  }[];
  s3Events = await createQueue('s3-events');
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
  await receiveAll(s3Events.url, { delete: true }); // S3's s3:TestEvent on configuration

  // The trigger function with its template environment, and its async invoke config.
  const notifier = loadTemplate('services/billing-notifier');
  const [, fn] = lambdaFunction(notifier, 'announceInvoiceDocument');
  const env = w.notifier.resolve(fn.Properties!.Environment.Variables) as Record<string, string>;
  Object.assign(process.env, env);
  expect(process.env.OPS_TOPIC_ARN).toBe(w.opsTopicArn);
  announce = (await import('../src/handlers/announce-invoice-document')).handler as unknown as Announce;
  invokeConfig = eventInvokeConfigFromTemplate(notifier, 'announceInvoiceDocument', w.notifier.resolve);

  // An observer of everything the private topic carries.
  opsCapture = await captureTopic(w.opsTopicArn);
});

/** What S3 would have invoked the function with, each event once, played asynchronously. */
async function deliverS3Events() {
  const messages = await receiveAll(s3Events.url, { delete: true });
  return Promise.all(messages.map((m) => invokeAsync(announce, JSON.parse(m.Body!), invokeConfig)));
}

describe('distributed trigger: invoice documents -> private topic -> subscribing queues', () => {
  it('an object under invoices/ becomes one InvoiceDocumentStored on the private topic and reaches the subscribed queue', async () => {
    const key = 'invoices/2026/inv_0123456789abcdef01234567.json';
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: '{"invoice":1}\n',
        ContentType: 'application/json',
      }),
    );

    const outcomes = await deliverS3Events();
    expect(outcomes.map((o) => o.condition)).toEqual(['Success']);
    expect(outcomes[0]!.record.responsePayload).toEqual({ announced: 1, ignored: 0 });

    const onTopic = await receiveAll(opsCapture.url, { delete: true });
    expect(onTopic).toHaveLength(1);
    expect(onTopic[0]!.MessageAttributes?.recordType?.StringValue).toBe('InvoiceDocumentStored');
    const announced = JSON.parse(onTopic[0]!.Body!);
    expect(announced.data.document).toEqual({ bucket, key });

    // Accounting subscribed its own documents queue; its handler lists the document in the export.
    expect(await messageCount(w.accounting.queues.DocumentsQueue!.url)).toBe(1);
    const run = await w.run('documents');
    expect(run.succeeded).toHaveLength(1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: w.exportsBucket, Prefix: 'exports/' }));
    const exportKey = listed.Contents!.map((o) => o.Key!).find((k) => k.includes('document_'))!;
    const line = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: w.exportsBucket, Key: exportKey }))
      ).Body!.transformToString(),
    );
    expect(line).toMatchObject({ recordType: 'InvoiceDocumentStored', data: { document: { bucket, key } } });
  });

  it('an object under another prefix triggers nothing (and the trigger writes no object, so it cannot loop)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'drafts/2026/inv_x.json', Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'exports/invoices/inv_y.json', Body: '{}' }));

    expect(await deliverS3Events()).toEqual([]);
    expect(await messageCount(opsCapture.url)).toBe(0);
    expect(await messageCount(w.accounting.queues.DocumentsQueue!.url)).toBe(0);
  });

  it('the same document announced twice is one export line (idempotency key = object + etag)', async () => {
    const key = 'invoices/2026/inv_aaaaaaaaaaaaaaaaaaaaaaaa.json';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'same bytes' }));
    const [event] = await receiveAll(s3Events.url, { delete: true });
    await invokeAsync(announce, JSON.parse(event!.Body!), invokeConfig);
    await invokeAsync(announce, JSON.parse(event!.Body!), invokeConfig); // S3 / Lambda delivered it again
    await receiveAll(opsCapture.url, { delete: true });

    const before =
      (await s3.send(new ListObjectsV2Command({ Bucket: w.exportsBucket, Prefix: 'exports/' }))).KeyCount ??
      0;
    const run = await w.run('documents');
    expect(run.succeeded).toHaveLength(2);
    const after =
      (await s3.send(new ListObjectsV2Command({ Bucket: w.exportsBucket, Prefix: 'exports/' }))).KeyCount ??
      0;
    expect(after - before).toBe(1);
  });
});
