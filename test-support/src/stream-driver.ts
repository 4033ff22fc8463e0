/**
 * A DynamoDB stream reader for component tests and benches: it plays the part of
 * Lambda's event source mapping against a moto (or any) endpoint. It reads a table's
 * stream through the real DynamoDB Streams API (DescribeTable -> LatestStreamArn,
 * DescribeStream, GetShardIterator, GetRecords) and hands back records in the shape a
 * Lambda stream handler receives (`DynamoDBStreamEvent`), so a test feeds real stream
 * records, produced by real table writes, to the real handler.
 *
 * The SDK clients honour AWS_ENDPOINT_URL (set by component-env.ts), so no endpoint is
 * passed here unless a test wants another one.
 *
 *   const table = await createTableFromTemplate('services/orders', 'OrdersTable'); // ./aws.ts
 *   const stream = await openStreamDriver(table, { from: 'NOW' });
 *   await putSomething(table);
 *   const event = toStreamEvent(await stream.waitFor(1));
 *   await handler(event, context);
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkStreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

const region = () => process.env.AWS_REGION ?? 'us-east-1';

export interface StreamDriverOptions {
  /**
   * Where the first read starts: 'TRIM_HORIZON' (every record still in the stream) or
   * 'NOW' (only records written after the driver was opened; like LATEST, but exact).
   */
  from?: 'TRIM_HORIZON' | 'NOW';
  dynamodb?: DynamoDBClient;
  streams?: DynamoDBStreamsClient;
}

export interface StreamDriver {
  readonly tableName: string;
  readonly streamArn: string;
  /** Every record that arrived since the previous read, all shards, parents before children. */
  read(): Promise<DynamoDBRecord[]>;
  /** Reads until at least `count` new records have arrived (or fails after `timeoutMs`). */
  waitFor(count: number, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<DynamoDBRecord[]>;
}

/** Wraps records in the event Lambda would deliver (one batch). */
export function toStreamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}

// The SDK returns binary attributes as Uint8Array and times as Date; Lambda's JSON event
// carries base64 strings and epoch seconds. Convert so handlers see what Lambda sends.
function toLambdaValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toLambdaValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toLambdaValue(v)]),
    );
  }
  return value;
}

function toLambdaImage(image: unknown): Record<string, LambdaAttributeValue> | undefined {
  return image ? (toLambdaValue(image) as Record<string, LambdaAttributeValue>) : undefined;
}

function toLambdaRecord(r: SdkStreamRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? region(),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      Keys: toLambdaImage(d.Keys),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes ?? 0,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

/** Parents before children, so records of one key stay in order across a shard split. */
function orderShards(shards: Shard[]): Shard[] {
  const ids = new Set(shards.map((s) => s.ShardId));
  const out: Shard[] = [];
  const placed = new Set<string>();
  const place = (s: Shard) => {
    if (placed.has(s.ShardId!)) return;
    const parent =
      s.ParentShardId && ids.has(s.ParentShardId)
        ? shards.find((p) => p.ShardId === s.ParentShardId)
        : undefined;
    if (parent) place(parent);
    placed.add(s.ShardId!);
    out.push(s);
  };
  shards.forEach(place);
  return out;
}

export async function openStreamDriver(
  tableName: string,
  opts: StreamDriverOptions = {},
): Promise<StreamDriver> {
  const dynamodb = opts.dynamodb ?? new DynamoDBClient({ region: region() });
  const streams = opts.streams ?? new DynamoDBStreamsClient({ region: region() });
  const table = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream; create it with a StreamSpecification`);

  // Checkpoint per shard: the last sequence number handed out.
  const checkpoints = new Map<string, string>();

  async function listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return orderShards(shards);
  }

  async function readShard(shardId: string): Promise<DynamoDBRecord[]> {
    const after = checkpoints.get(shardId);
    const it = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    const out: DynamoDBRecord[] = [];
    let iterator = it.ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      if (records.length === 0) break;
      for (const r of records) out.push(toLambdaRecord(r, streamArn!));
      checkpoints.set(shardId, records[records.length - 1]!.dynamodb!.SequenceNumber!);
      iterator = page.NextShardIterator;
    }
    return out;
  }

  async function read(): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    for (const shard of await listShards()) out.push(...(await readShard(shard.ShardId!)));
    return out;
  }

  async function waitFor(
    count: number,
    { timeoutMs = 10_000, intervalMs = 25 } = {},
  ): Promise<DynamoDBRecord[]> {
    const deadline = Date.now() + timeoutMs;
    const got: DynamoDBRecord[] = [];
    for (;;) {
      got.push(...(await read()));
      if (got.length >= count) return got;
      if (Date.now() > deadline)
        throw new Error(
          `Expected ${count} stream records from ${tableName}, got ${got.length} in ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  if ((opts.from ?? 'TRIM_HORIZON') === 'NOW') await read();
  return { tableName, streamArn, read, waitFor };
}
