/**
 * What the platform holds, everywhere it can hold something (local runner only): every
 * DynamoDB table's items, every queue's message counts, every bucket's objects, every
 * Postgres table's rows, every Redis key, the state machines' executions, and the AWS
 * write calls made so far. Two footprints taken around a run of requests tell whether the
 * requests wrote anything: `diffFootprints` names each store that changed.
 *
 * Items and rows are hashed, not counted: an update in place changes a footprint as much
 * as an insert does.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { call, type PlatformClient } from './client';

/** store name (`dynamodb:<table>`, `sqs:<queue>`, `postgres:<schema.table>` …) -> a digest of its content */
export type Footprint = Record<string, string>;

const aws = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

const digest = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/**
 * AWS calls that leave something behind outside the tables: messages, notifications,
 * events, executions, objects, emails. These are counted because what they leave can be
 * gone again before the second footprint (a queue consumer deletes its message). DynamoDB
 * writes are not: a conditional write that is refused (an Idempotency-Key replayed with
 * another body) writes nothing, and one that succeeds shows in the table's content.
 */
const WRITE_OPERATION =
  /^(?!dynamodb\.)[^.]+\.(Send|Publish|PutEvents|PutRecord|Start|Put|Copy|Delete|Upload|Complete|Create)/i;

async function dynamoTables(moto: string, tables: string[], out: Footprint) {
  const dynamo = new DynamoDBClient(aws(moto));
  try {
    for (const table of tables) {
      const items: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamo.send(
          new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        for (const item of page.Items ?? []) items.push(JSON.stringify(sortKeys(item)));
        start = page.LastEvaluatedKey;
      } while (start);
      items.sort();
      out[`dynamodb:${table}`] = `${items.length} items ${digest(items)}`;
    }
  } finally {
    dynamo.destroy();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

async function queues(moto: string, urls: string[], out: Footprint) {
  const sqs = new SQSClient(aws(moto));
  try {
    for (const url of urls) {
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = attrs.Attributes ?? {};
      out[`sqs:${url.split('/').pop()}`] =
        `${a.ApproximateNumberOfMessages ?? '?'} visible, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight, ${a.ApproximateNumberOfMessagesDelayed ?? '?'} delayed`;
    }
  } finally {
    sqs.destroy();
  }
}

async function buckets(moto: string, names: string[], out: Footprint) {
  const s3 = new S3Client({ ...aws(moto), forcePathStyle: true });
  try {
    for (const bucket of names) {
      const objects: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of page.Contents ?? []) objects.push(`${o.Key} ${o.ETag} ${o.Size}`);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      objects.sort();
      out[`s3:${bucket}`] = `${objects.length} objects ${digest(objects)}`;
    }
  } finally {
    s3.destroy();
  }
}

async function postgres(url: string, out: Footprint) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const tables = await db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    for (const { schema, name } of tables.rows) {
      const id = `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"`;
      const r = await db.query<{ rows: string; digest: string | null }>(
        `SELECT count(*)::text AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${id} t`,
      );
      out[`postgres:${schema}.${name}`] = `${r.rows[0]!.rows} rows ${r.rows[0]!.digest ?? '-'}`;
    }
  } finally {
    await db.end();
  }
}

async function redis(url: string, out: Footprint) {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    const keys = (await r.keys('*')).sort();
    for (const key of keys) {
      // DUMP is the value whatever its type; the TTL itself is left out (it runs down by
      // itself), but whether there is one is kept: such a key may expire between readings.
      const [value, ttl] = await Promise.all([r.dumpBuffer(key), r.pttl(key)]);
      if (!value) continue;
      out[`redis:${key}`] =
        createHash('sha256').update(value).digest('hex').slice(0, 16) + (ttl > 0 ? EXPIRES : '');
    }
  } finally {
    r.disconnect();
  }
}

/** AWS write calls so far, by caller and operation (the runner counts every call). */
async function writeCalls(controlUrl: string, out: Footprint) {
  const stats = await call<{ calls: Record<string, Record<string, number>> }>(`${controlUrl}/_local/stats`);
  for (const [caller, ops] of Object.entries(stats.body.calls))
    for (const [op, count] of Object.entries(ops))
      if (WRITE_OPERATION.test(op)) out[`calls:${caller} ${op}`] = String(count);
}

/** The footprint of the local platform `client` talks to. */
export async function footprint(client: PlatformClient): Promise<Footprint> {
  const controlUrl = client.endpoints.controlUrl;
  if (!controlUrl) throw new Error('A footprint needs the local runner (its engines are read directly)');
  const { engines } = await client.localInfo();
  const resources = await client.resources();
  const of = (type: string) => resources.filter((r) => r.type === type).map((r) => r.physicalId);
  const out: Footprint = {};
  await dynamoTables(engines.moto, of('AWS::DynamoDB::Table'), out);
  await queues(engines.moto, of('AWS::SQS::Queue'), out);
  await buckets(engines.moto, of('AWS::S3::Bucket'), out);
  await postgres(engines.postgres, out);
  await redis(engines.redis, out);
  const executions = await call<{ status: string }[]>(`${controlUrl}/_local/executions`);
  out['stepfunctions:executions'] =
    `${executions.body.filter((e) => e.status === 'RUNNING').length} running ${digest(executions.body)}`;
  await writeCalls(controlUrl, out);
  return out;
}

const EXPIRES = ' (expires)';

/**
 * Every store whose content differs between two footprints: `store: before -> after`. A
 * cache key with a TTL that is gone afterwards expired (another test's report cache, say):
 * that is time passing, not a write.
 */
export function diffFootprints(before: Footprint, after: Footprint): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((n) => before[n] !== after[n])
    .filter((n) => !(after[n] === undefined && before[n]?.endsWith(EXPIRES)))
    .map((n) => `${n}: ${before[n] ?? '(none)'} -> ${after[n] ?? '(none)'}`);
}

/**
 * Whether a footprint shows work under way: an execution still running, or a message a
 * consumer holds (in flight). Messages waiting in a DLQ are not work: nobody reads them.
 */
function busy(f: Footprint): string[] {
  return Object.entries(f)
    .filter(
      ([name, value]) =>
        (name === 'stepfunctions:executions' && !value.startsWith('0 running')) ||
        (name.startsWith('sqs:') && !/ 0 in flight,/.test(value)),
    )
    .map(([name, value]) => `${name}: ${value}`);
}

/**
 * A footprint taken once the platform is quiet: no execution running, no message in
 * flight, and two readings `gapMs` apart that agree. The gap is longer than the slowest
 * hop of an event through the platform (1 s batching windows on the orders stream and the
 * queues, a stream poll, an EventBridge delivery), so work a previous request started
 * has landed, or shows as a change, by the second reading.
 */
export async function quietFootprint(
  client: PlatformClient,
  opts: { gapMs?: number; timeoutMs?: number } = {},
): Promise<Footprint> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last = await footprint(client);
  for (;;) {
    await new Promise((ok) => setTimeout(ok, opts.gapMs ?? 3_000));
    const next = await footprint(client);
    const changed = [...diffFootprints(last, next), ...busy(next)];
    if (changed.length === 0) return next;
    if (Date.now() > deadline)
      throw new Error(`the platform did not go quiet: still changing ${changed.join('; ')}`);
    last = next;
  }
}
