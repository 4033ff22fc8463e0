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
  type GetRecordsCommandOutput,
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
  /**
   * How long a shard list is trusted before DescribeStream is asked again (default 5 s;
   * a shard that closes refreshes it at once). Shards change rarely (AWS rolls them every
   * few hours; moto never), so a poller need not describe the stream on every read.
   */
  shardListTtlMs?: number;
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
  // The iterator each shard's last read ended on (an iterator stays valid for 15 minutes
  // in AWS): the next read goes on from it instead of asking for a new one.
  const iterators = new Map<string, string>();
  // Closed shards read to their end.
  const finished = new Set<string>();
  const shardListTtlMs = opts.shardListTtlMs ?? 5_000;
  let shardList: { shards: Shard[]; at: number } | undefined;

  async function listShards(): Promise<Shard[]> {
    if (shardList && Date.now() - shardList.at < shardListTtlMs) return shardList.shards;
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    shardList = { shards: orderShards(shards), at: Date.now() };
    return shardList.shards;
  }

  async function freshIterator(shardId: string): Promise<string | undefined> {
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
    return it.ShardIterator;
  }

  async function getRecords(shardId: string, iterator: string): Promise<GetRecordsCommandOutput> {
    try {
      return await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (e) {
      if ((e as Error).name !== 'ExpiredIteratorException' || !iterators.has(shardId)) throw e;
      // A kept iterator outlived its 15 minutes: start again from the checkpoint.
      iterators.delete(shardId);
      const fresh = await freshIterator(shardId);
      return fresh
        ? streams.send(new GetRecordsCommand({ ShardIterator: fresh, Limit: 1000 }))
        : { $metadata: {} };
    }
  }

  async function readShard(shardId: string): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    let iterator = iterators.get(shardId) ?? (await freshIterator(shardId));
    while (iterator) {
      const page = await getRecords(shardId, iterator);
      const records = page.Records ?? [];
      for (const r of records) out.push(toLambdaRecord(r, streamArn!));
      if (records.length) checkpoints.set(shardId, records[records.length - 1]!.dynamodb!.SequenceNumber!);
      iterator = page.NextShardIterator;
      if (records.length === 0) break;
    }
    if (iterator) iterators.set(shardId, iterator);
    else {
      // The shard is closed and read to its end: the list has children to read next.
      iterators.delete(shardId);
      finished.add(shardId);
      shardList = undefined;
    }
    return out;
  }

  async function read(): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    for (const shard of await listShards())
      if (!finished.has(shard.ShardId!)) out.push(...(await readShard(shard.ShardId!)));
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
