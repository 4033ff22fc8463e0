/**
 * Amazon Data Firehose, played by the runner (moto's Firehose writes each record to S3 at
 * once: no buffering, no dynamic partitioning, no Kinesis source). What it plays, from the
 * packaged `AWS::KinesisFirehose::DeliveryStream`:
 *
 * - sources: `DirectPut` (the Firehose API: PutRecord, PutRecordBatch, served on its own
 *   port behind the IAM gateway, so an EventBridge rule target or a function is held to
 *   its role) and `KinesisStreamAsSource` (the stream in moto, read shard by shard from
 *   TRIM_HORIZON once a second, as Firehose does, with the delivery role's credentials);
 * - `ExtendedS3DestinationConfiguration`: `BufferingHints` (an object is written when a
 *   partition's buffer reaches SizeInMBs or IntervalInSeconds after its first record),
 *   `CompressionFormat` GZIP (`.gz` objects), `Prefix` / `ErrorOutputPrefix` with the
 *   `!{timestamp:…}`, `!{firehose:…}` and `!{partitionKeyFromQuery:…}` namespaces, dynamic
 *   partitioning's `MetadataExtraction` processor (JQ, run by jq-wasm: the same jq 1.x
 *   language) and `AppendDelimiterToRecord`; a record whose keys cannot be extracted goes
 *   under the error prefix (`partitioning-failed`) as Firehose writes it;
 * - object names `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>[.gz]`, written with the
 *   destination role's credentials (the IAM gateway checks `s3:PutObject`).
 *
 * Not played: Lambda transformation processors, format conversion (Parquet/ORC), other
 * destinations, backup of source records, `partitionKeyFromLambda`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { accessKeyOf } from './iam/identities';
import type { LocalResource, LogSink } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation properties are untyped JSON */

export interface DeliveryStreamSpec {
  name: string;
  arn: string;
  source?: { streamArn: string; roleArn: string };
  bucket: string;
  roleArn: string;
  prefix: string;
  errorPrefix: string;
  intervalMs: number;
  sizeBytes: number;
  gzip: boolean;
  /** Dynamic partitioning's JQ metadata extraction query. */
  partitionQuery?: string;
  delimiter?: string;
}

/** The access key standing for a role Firehose assumes (the IAM gateway maps it back). */
export const firehoseRoleKeyOf = (roleArn: string) => accessKeyOf(`firehose ${roleArn}`);
/** The access key standing for a rule target's role (EventBridge -> Firehose). */
export const eventsRoleKeyOf = (roleArn: string) => accessKeyOf(`events ${roleArn}`);

/**
 * The roles Firehose and EventBridge assume for the delivery streams (destination and
 * Kinesis source) and for the rule targets that put into them, as IAM gateway identities.
 */
export function firehoseIdentities(run: {
  deliveryStreams: LocalResource[];
  firehoseFeeds: FirehoseFeed[];
}): { name: string; role: string; accessKey: string }[] {
  const roles = new Set<string>();
  for (const r of run.deliveryStreams) {
    const spec = deliveryStreamSpec(r);
    roles.add(spec.roleArn);
    if (spec.source) roles.add(spec.source.roleArn);
  }
  return [
    ...[...roles].map((role) => ({ name: 'Firehose', role, accessKey: firehoseRoleKeyOf(role) })),
    ...run.firehoseFeeds.flatMap((f) =>
      f.roleArn ? [{ name: 'EventBridge', role: f.roleArn, accessKey: eventsRoleKeyOf(f.roleArn) }] : [],
    ),
  ];
}

/** Firehose's escapes in a delimiter parameter (`\n`, `\t`, `\r`). */
const unescape = (s: string) =>
  s.replace(/\\([ntr\\])/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);

/** What the runner plays of a delivery stream, from its resolved properties. */
export function deliveryStreamSpec(r: LocalResource): DeliveryStreamSpec {
  const p = r.properties;
  const d = p.ExtendedS3DestinationConfiguration ?? p.S3DestinationConfiguration;
  if (!d) throw new Error(`${r.service} ${r.logicalId}: only S3 destinations are played locally`);
  const processors: any[] = d.ProcessingConfiguration?.Enabled
    ? (d.ProcessingConfiguration.Processors ?? [])
    : [];
  const param = (type: string, name: string): string | undefined => {
    const proc = processors.find((x) => x.Type === type);
    const v = (proc?.Parameters ?? []).find((x: any) => x.ParameterName === name)?.ParameterValue;
    return v === undefined ? undefined : String(v);
  };
  if (processors.some((x) => x.Type === 'Lambda'))
    throw new Error(`${r.service} ${r.logicalId}: Lambda processors are not played locally`);
  const dynamic = d.DynamicPartitioningConfiguration?.Enabled === true;
  const delimiter = processors.some((x) => x.Type === 'AppendDelimiterToRecord')
    ? unescape(param('AppendDelimiterToRecord', 'Delimiter') ?? '\\n')
    : undefined;
  const query = dynamic ? param('MetadataExtraction', 'MetadataExtractionQuery') : undefined;
  const src = p.KinesisStreamSourceConfiguration;
  return {
    name: r.physicalId,
    arn: r.attributes.Arn ?? '',
    ...(p.DeliveryStreamType === 'KinesisStreamAsSource' && src
      ? { source: { streamArn: String(src.KinesisStreamARN), roleArn: String(src.RoleARN) } }
      : {}),
    bucket: String(d.BucketARN).replace(/^arn:[^:]+:s3:::/, ''),
    roleArn: String(d.RoleARN),
    // Firehose's default prefix is the arrival time, yyyy/MM/dd/HH/.
    prefix: d.Prefix ?? '!{timestamp:yyyy/MM/dd/HH}/',
    errorPrefix: d.ErrorOutputPrefix ?? '!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
    intervalMs: Number(d.BufferingHints?.IntervalInSeconds ?? 300) * 1000,
    sizeBytes: Number(d.BufferingHints?.SizeInMBs ?? 5) * 1024 * 1024,
    gzip: String(d.CompressionFormat ?? 'UNCOMPRESSED').toUpperCase() === 'GZIP',
    ...(query ? { partitionQuery: query } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A Java DateTimeFormatter pattern (the subset prefixes use) applied to a UTC instant. */
export function formatTimestamp(pattern: string, at: Date): string {
  const parts: Record<string, string> = {
    yyyy: String(at.getUTCFullYear()),
    MM: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    HH: pad(at.getUTCHours()),
    mm: pad(at.getUTCMinutes()),
    ss: pad(at.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => parts[t]!);
}

/** Expands a prefix's namespaces; throws when a partition key it names has no value. */
export function expandPrefix(
  template: string,
  v: { arrival: Date; keys?: Record<string, unknown>; errorType?: string },
): string {
  return template.replace(/!\{([A-Za-z]+):([^}]*)\}/g, (_m, ns: string, arg: string) => {
    if (ns === 'timestamp') return formatTimestamp(arg, v.arrival);
    if (ns === 'firehose' && arg === 'error-output-type' && v.errorType) return v.errorType;
    if (ns === 'firehose' && arg === 'random-string') return randomUUID().replace(/-/g, '').slice(0, 11);
    if (ns === 'partitionKeyFromQuery') {
      const value = v.keys?.[arg];
      if (value === undefined || value === null || typeof value === 'object')
        throw new Error(`partition key ${arg} has no value`);
      return String(value);
    }
    throw new Error(`!{${ns}:${arg}} is not played locally`);
  });
}

/**
 * jq-wasm 3 (jq 1.8): its 1.0 leaked memory on every query and aborted after about 300
 * ("Unknown function type", then "memory access out of bounds": owenthereal/jq-wasm#2),
 * so a long chaos run sent every later record to the error prefix. `first` is the query's
 * one output (the partition keys object).
 */
type Jq = { first(input: unknown, query: string): Promise<unknown> };
let jqModule: Promise<Jq> | undefined;
const jq = () => (jqModule ??= import('jq-wasm') as unknown as Promise<Jq>);

/** Where one record goes: its partition's prefix, or the error prefix with the reason. */
export async function routeRecord(
  spec: DeliveryStreamSpec,
  data: Buffer,
  arrival: Date,
): Promise<{ prefix: string } | { error: { type: string; code: string; message: string } }> {
  if (!spec.partitionQuery) return { prefix: expandPrefix(spec.prefix, { arrival }) };
  let keys: Record<string, unknown>;
  try {
    const parsed = JSON.parse(data.toString('utf8')) as unknown;
    keys = (await (await jq()).first(parsed, spec.partitionQuery)) as Record<string, unknown>;
  } catch (e) {
    return {
      error: {
        type: 'partitioning-failed',
        code: 'DynamicPartitioning.MetadataExtractionFailed',
        message: `Non JSON record or metadata extraction query failed: ${(e as Error).message}`,
      },
    };
  }
  try {
    return { prefix: expandPrefix(spec.prefix, { arrival, keys }) };
  } catch (e) {
    return {
      error: {
        type: 'partitioning-failed',
        code: 'DynamicPartitioning.PartitionKeyMissing',
        message: (e as Error).message,
      },
    };
  }
}

interface Buffered {
  records: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
}

/** Writes one object: the buffered records, joined, gzipped when configured. */
export type ObjectWriter = (spec: DeliveryStreamSpec, key: string, body: Buffer) => Promise<void>;

/** One delivery stream's buffers (by destination prefix) and their flushing. */
export class DeliveryStream {
  private readonly buffers = new Map<string, Buffered>();
  private writes = new Set<Promise<void>>();
  readonly written: string[] = [];

  constructor(
    readonly spec: DeliveryStreamSpec,
    private readonly write: ObjectWriter,
    private readonly log: LogSink,
  ) {}

  /** Accepts records (as PutRecordBatch does); they reach S3 when their buffer flushes. */
  async put(records: Buffer[], arrival = new Date()): Promise<void> {
    for (const data of records) {
      const route = await routeRecord(this.spec, data, arrival);
      if ('prefix' in route)
        this.add(
          route.prefix,
          this.spec.delimiter ? Buffer.concat([data, Buffer.from(this.spec.delimiter)]) : data,
        );
      else {
        const prefix = expandPrefix(this.spec.errorPrefix, { arrival, errorType: route.error.type });
        const now = Date.now();
        const line = JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: arrival.getTime(),
          errorCode: route.error.code,
          errorMessage: route.error.message,
          attemptEndingTimestamp: now,
          rawData: data.toString('base64'),
        });
        this.log.line('firehose', `${this.spec.name}: record to ${prefix}: ${route.error.message}`);
        this.add(prefix, Buffer.from(`${line}\n`));
      }
    }
  }

  private add(prefix: string, record: Buffer) {
    let b = this.buffers.get(prefix);
    if (!b) {
      b = { records: [], bytes: 0 };
      this.buffers.set(prefix, b);
      // IntervalInSeconds counts from the buffer's first record.
      b.timer = setTimeout(() => this.track(this.flushPrefix(prefix)), this.spec.intervalMs);
      b.timer.unref();
    }
    b.records.push(record);
    b.bytes += record.length;
    if (b.bytes >= this.spec.sizeBytes) this.track(this.flushPrefix(prefix));
  }

  private track(p: Promise<void>) {
    const guarded = p.catch((e: unknown) =>
      this.log.line('firehose', `${this.spec.name}: delivery failed: ${(e as Error).message}`),
    );
    this.writes.add(guarded);
    void guarded.finally(() => this.writes.delete(guarded));
  }

  private async flushPrefix(prefix: string): Promise<void> {
    const b = this.buffers.get(prefix);
    if (!b) return;
    this.buffers.delete(prefix);
    clearTimeout(b.timer);
    const now = new Date();
    const raw = Buffer.concat(b.records);
    const key = `${prefix}${this.spec.name}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', now)}-${randomUUID()}${this.spec.gzip ? '.gz' : ''}`;
    await this.write(this.spec, key, this.spec.gzip ? gzipSync(raw) : raw);
    this.written.push(key);
    this.log.line(
      'firehose',
      `${this.spec.name}: ${b.records.length} records -> s3://${this.spec.bucket}/${key}`,
    );
  }

  /** Writes every buffer now and waits for the writes in flight. */
  async flush(): Promise<string[]> {
    const before = this.written.length;
    await Promise.all([...this.buffers.keys()].map((p) => this.flushPrefix(p)));
    await Promise.all([...this.writes]);
    return this.written.slice(before);
  }

  stop() {
    for (const b of this.buffers.values()) clearTimeout(b.timer);
  }
}

/** Reads a Kinesis stream into a delivery stream, shard by shard, once a second. */
class KinesisSource {
  private readonly iterators = new Map<string, string>();
  private shards?: { ids: string[]; at: number };
  private chain: Promise<number> = Promise.resolve(0);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamArn: string,
    private readonly target: DeliveryStream,
    private readonly log: LogSink,
  ) {}

  start() {
    const tick = () => {
      if (this.stopped) return;
      void this.pollOnce()
        .catch((e: unknown) =>
          this.log.line(
            'firehose',
            `${this.target.spec.name}: reading ${this.streamArn}: ${(e as Error).message}`,
          ),
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, 1000);
        });
    };
    tick();
  }

  /** One round over every shard (serialised with the timer's rounds); the records read. */
  pollOnce(): Promise<number> {
    this.chain = this.chain.catch(() => 0).then(() => this.round());
    return this.chain;
  }

  /** Rounds until a round reads nothing. */
  async drain(): Promise<void> {
    while ((await this.pollOnce()) > 0);
  }

  private async round(): Promise<number> {
    // The shard list changes only on resharding: read again once a minute.
    if (!this.shards || Date.now() - this.shards.at > 60_000) {
      const listed = await this.kinesis.send(new ListShardsCommand({ StreamARN: this.streamArn }));
      this.shards = { ids: (listed.Shards ?? []).map((s) => s.ShardId!), at: Date.now() };
    }
    let read = 0;
    for (const id of this.shards.ids) {
      let iterator = this.iterators.get(id);
      if (!iterator) {
        const it = await this.kinesis.send(
          new GetShardIteratorCommand({
            StreamARN: this.streamArn,
            ShardId: id,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        iterator = it.ShardIterator!;
      }
      const out = await this.kinesis.send(
        new GetRecordsCommand({ StreamARN: this.streamArn, ShardIterator: iterator, Limit: 10_000 }),
      );
      if (out.NextShardIterator) this.iterators.set(id, out.NextShardIterator);
      const records = out.Records ?? [];
      read += records.length;
      for (const r of records)
        await this.target.put(
          [Buffer.from(r.Data ?? new Uint8Array())],
          r.ApproximateArrivalTimestamp ?? new Date(),
        );
    }
    return read;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

export interface LocalFirehoseOptions {
  streams: DeliveryStreamSpec[];
  /** Where the delivery roles' calls go: the IAM gateway (roles enforced) or moto. */
  awsEndpoint: string;
  region: string;
  /** The access key a role signs with (the IAM gateway maps it to the role); 'local' without IAM. */
  keyOf(roleArn: string): string;
  log: LogSink;
}

export interface LocalFirehose {
  /** The Firehose API (JSON 1.1: PutRecord, PutRecordBatch, DescribeDeliveryStream, ListDeliveryStreams). */
  url: string;
  /** Reads what the Kinesis sources hold, then writes every buffer: the keys written. */
  flush(): Promise<string[]>;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

export async function startFirehose(opts: LocalFirehoseOptions): Promise<LocalFirehose> {
  const clientConfig = (roleArn: string) => ({
    endpoint: opts.awsEndpoint,
    region: opts.region,
    credentials: { accessKeyId: opts.keyOf(roleArn), secretAccessKey: 'local' },
  });
  const s3 = new Map<string, S3Client>();
  const write: ObjectWriter = async (spec, key, body) => {
    let client = s3.get(spec.roleArn);
    if (!client)
      s3.set(spec.roleArn, (client = new S3Client({ ...clientConfig(spec.roleArn), forcePathStyle: true })));
    await client.send(
      new PutObjectCommand({
        Bucket: spec.bucket,
        Key: key,
        Body: body,
        ...(spec.gzip ? { ContentEncoding: 'gzip' } : {}),
        ContentType: 'application/octet-stream',
      }),
    );
  };
  const streams = new Map(opts.streams.map((s) => [s.name, new DeliveryStream(s, write, opts.log)]));
  const sources: KinesisSource[] = [];
  for (const stream of streams.values()) {
    if (!stream.spec.source) continue;
    // HTTP/1.1: the client's default HTTP/2 handler is for SubscribeToShard, which moto lacks.
    const kinesis = new KinesisClient({
      ...clientConfig(stream.spec.source.roleArn),
      requestHandler: new NodeHttpHandler(),
    });
    const source = new KinesisSource(kinesis, stream.spec.source.streamArn, stream, opts.log);
    source.start();
    sources.push(source);
  }

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  };
  const notFound = (name: unknown) => ({
    __type: 'ResourceNotFoundException',
    message: `Firehose ${String(name)} under account 123456789012 not found.`,
  });
  const server = createServer((req, res) => {
    void (async () => {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, any>;
      const op = String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop();
      const stream = streams.get(String(body.DeliveryStreamName));
      if (op === 'ListDeliveryStreams')
        return reply(res, 200, { DeliveryStreamNames: [...streams.keys()], HasMoreDeliveryStreams: false });
      if (!stream) return reply(res, 400, notFound(body.DeliveryStreamName));
      if (op === 'DescribeDeliveryStream')
        return reply(res, 200, {
          DeliveryStreamDescription: {
            DeliveryStreamName: stream.spec.name,
            DeliveryStreamARN: stream.spec.arn,
            DeliveryStreamStatus: 'ACTIVE',
            DeliveryStreamType: stream.spec.source ? 'KinesisStreamAsSource' : 'DirectPut',
          },
        });
      if (stream.spec.source && (op === 'PutRecord' || op === 'PutRecordBatch'))
        return reply(res, 400, {
          __type: 'InvalidArgumentException',
          message: `This operation is not permitted on KinesisStreamAsSource delivery stream type.`,
        });
      if (op === 'PutRecord') {
        await stream.put([Buffer.from(String(body.Record?.Data ?? ''), 'base64')]);
        return reply(res, 200, { RecordId: randomUUID(), Encrypted: false });
      }
      if (op === 'PutRecordBatch') {
        const records = ((body.Records ?? []) as { Data?: string }[]).map((r) =>
          Buffer.from(String(r.Data ?? ''), 'base64'),
        );
        await stream.put(records);
        return reply(res, 200, {
          FailedPutCount: 0,
          Encrypted: false,
          RequestResponses: records.map(() => ({ RecordId: randomUUID() })),
        });
      }
      return reply(res, 400, { __type: 'UnknownOperationException', message: `${op} is not played locally` });
    })().catch((e: unknown) =>
      reply(res, 500, { __type: 'ServiceUnavailableException', message: (e as Error).message }),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  opts.log.line(
    'firehose',
    `${streams.size} delivery streams: ${[...streams.values()].map((s) => `${s.spec.name} (${s.spec.source ? 'Kinesis' : 'direct put'} -> s3://${s.spec.bucket}/, ${s.spec.intervalMs / 1000} s)`).join(', ') || 'none'}`,
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async flush() {
      await Promise.all(sources.map((s) => s.drain()));
      return (await Promise.all([...streams.values()].map((s) => s.flush()))).flat();
    },
    async stop() {
      for (const s of sources) s.stop();
      for (const s of streams.values()) s.stop();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** An EventBridge rule target that is a delivery stream: moto fills a shadow queue, the runner puts. */
export interface FirehoseFeed {
  queueUrl: string;
  deliveryStreamArn: string;
  /** The target's RoleArn: EventBridge calls Firehose as this role. */
  roleArn?: string;
  /** The target's DeadLetterConfig queue. */
  deadLetterArn?: string;
  ruleArn: string;
  source: string;
}

/** A stand-in SigV4 header: the IAM gateway reads who calls from its credential scope. */
function authorizationFor(accessKeyId: string, service: string, region: string): string {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/${region}/${service}/aws4_request, SignedHeaders=host, Signature=local`;
}

export interface RuleFeedOptions {
  sqs: SQSClient;
  /** Where EventBridge's Firehose calls go: the IAM gateway, or the local Firehose itself. */
  firehoseEndpoint: string;
  region: string;
  keyOf(roleArn: string): string;
  log: LogSink;
}

/**
 * Plays EventBridge delivering to Firehose targets: each event of a feed's shadow queue is
 * put into its delivery stream (PutRecord, as the target's role). A refusal sends the event
 * to the target's dead-letter queue with EventBridge's attributes; any other failure leaves
 * it for redelivery (the shadow queue's visibility timeout).
 */
export function startRuleFeeds(feeds: FirehoseFeed[], opts: RuleFeedOptions) {
  const stopping = new AbortController();
  const deliver = async (feed: FirehoseFeed, body: string): Promise<'ok' | 'refused' | 'retry'> => {
    const name = feed.deliveryStreamArn.split('/').pop();
    const r = await fetch(opts.firehoseEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Firehose_20150804.PutRecord',
        authorization: authorizationFor(
          feed.roleArn ? opts.keyOf(feed.roleArn) : 'local',
          'firehose',
          opts.region,
        ),
      },
      body: JSON.stringify({
        DeliveryStreamName: name,
        Record: { Data: Buffer.from(body).toString('base64') },
      }),
    });
    if (r.ok) return 'ok';
    const text = await r.text();
    opts.log.line('firehose', `${feed.source} -> ${name}: ${r.status} ${text.slice(0, 300)}`);
    return r.status >= 400 && r.status < 500 ? 'refused' : 'retry';
  };
  const deadLetter = async (feed: FirehoseFeed, body: string) => {
    if (!feed.deadLetterArn) return;
    const { QueueUrl } = await opts.sqs.send(
      new GetQueueUrlCommand({ QueueName: feed.deadLetterArn.split(':').pop()! }),
    );
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    await opts.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: body,
        MessageAttributes: {
          RULE_ARN: attr(feed.ruleArn),
          TARGET_ARN: attr(feed.deliveryStreamArn),
          ERROR_CODE: attr('NO_PERMISSIONS'),
          ERROR_MESSAGE: attr('EventBridge could not put the event into the delivery stream'),
        },
      }),
    );
  };
  const round = async (feed: FirehoseFeed, waitSeconds: number): Promise<number> => {
    const out = await opts.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: feed.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
      { abortSignal: stopping.signal },
    );
    for (const m of out.Messages ?? []) {
      const outcome = await deliver(feed, m.Body ?? '');
      if (outcome === 'refused') await deadLetter(feed, m.Body ?? '');
      if (outcome !== 'retry')
        await opts.sqs.send(
          new DeleteMessageCommand({ QueueUrl: feed.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
        );
    }
    return out.Messages?.length ?? 0;
  };
  const loops = feeds.map(async (feed) => {
    while (!stopping.signal.aborted) {
      try {
        await round(feed, 20);
      } catch (e) {
        if (stopping.signal.aborted) return;
        opts.log.line('firehose', `${feed.source}: ${(e as Error).message}`);
        await new Promise((ok) => setTimeout(ok, 1000));
      }
    }
  });
  return {
    /** Delivers what the shadow queues hold now (without waiting for more). */
    async drain() {
      for (const feed of feeds) while ((await round(feed, 0)) > 0);
    },
    async stop() {
      stopping.abort(new Error('the local runner is stopping'));
      await Promise.allSettled(loops);
    },
  };
}
