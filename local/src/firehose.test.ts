import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DeliveryStream,
  deliveryStreamSpec,
  expandPrefix,
  formatTimestamp,
  routeRecord,
  type DeliveryStreamSpec,
} from './firehose';
import type { LocalResource } from './types';

const silent = { line: () => undefined };
const at = new Date('2026-12-04T09:05:07.000Z');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lake = require('../../services/analytics/lake.cjs') as {
  events: { prefix: string; errorPrefix: string; metadataQuery: string };
  clickstream: { prefix: string; metadataQuery: string };
};

function spec(over: Partial<DeliveryStreamSpec> = {}): DeliveryStreamSpec {
  return {
    name: 'lake-events',
    arn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/lake-events',
    bucket: 'lake',
    roleArn: 'arn:aws:iam::123456789012:role/delivery',
    prefix: lake.events.prefix,
    errorPrefix: lake.events.errorPrefix,
    intervalMs: 60_000,
    sizeBytes: 64 * 1024 * 1024,
    gzip: true,
    partitionQuery: lake.events.metadataQuery,
    delimiter: '\n',
    ...over,
  };
}

function recorder() {
  const objects: { key: string; body: Buffer }[] = [];
  return {
    objects,
    write: async (_s: DeliveryStreamSpec, key: string, body: Buffer) => void objects.push({ key, body }),
  };
}

const event = (source: string, type: string, time: string) =>
  Buffer.from(
    JSON.stringify({ id: `${type}-${time}`, source, 'detail-type': type, time, detail: { data: {} } }),
  );

describe('prefixes', () => {
  it('formats the timestamp namespace as Java patterns in UTC', () => {
    expect(formatTimestamp('yyyy/MM/dd/HH', at)).toBe('2026/12/04/09');
    expect(
      expandPrefix('x/!{timestamp:yyyy-MM-dd}/!{firehose:error-output-type}/', {
        arrival: at,
        errorType: 'partitioning-failed',
      }),
    ).toBe('x/2026-12-04/partitioning-failed/');
  });

  it('refuses a partition key without a value', () => {
    expect(() => expandPrefix('a=!{partitionKeyFromQuery:a}/', { arrival: at, keys: { a: null } })).toThrow(
      /a has no value/,
    );
  });
});

describe('a delivery stream with dynamic partitioning (the analytics stack’s events stream)', () => {
  it('writes one gzipped object of JSON lines per partition when flushed', async () => {
    // Prepare
    const out = recorder();
    const stream = new DeliveryStream(spec(), out.write, silent);

    // Act
    await stream.put(
      [
        event('order-platform.orders', 'OrderConfirmed', '2026-12-04T09:00:00Z'),
        event('order-platform.orders', 'OrderConfirmed', '2026-12-04T09:01:00Z'),
        event('order-platform.payments', 'RefundIssued', '2026-12-03T23:59:59Z'),
      ],
      at,
    );
    const written = await stream.flush();

    // Assess
    expect(written.map((k) => k.replace(/[^/]+$/, '')).sort()).toEqual([
      'events/source=order-platform.orders/type=OrderConfirmed/dt=2026-12-04/',
      'events/source=order-platform.payments/type=RefundIssued/dt=2026-12-03/',
    ]);
    expect(written[0]).toMatch(/\/lake-events-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/);
    const orders = out.objects.find((o) => o.key.includes('OrderConfirmed'))!;
    const lines = gunzipSync(orders.body).toString('utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((l) => (JSON.parse(l) as { time: string }).time)).toEqual([
      '2026-12-04T09:00:00Z',
      '2026-12-04T09:01:00Z',
    ]);
  });

  it('sends a record whose keys cannot be extracted under the error prefix, with its raw data', async () => {
    // Prepare
    const out = recorder();
    const stream = new DeliveryStream(spec(), out.write, silent);

    // Act
    await stream.put([Buffer.from('not json'), Buffer.from(JSON.stringify({ source: 'x' }))], at);
    await stream.flush();

    // Assess
    expect(out.objects).toHaveLength(1);
    expect(out.objects[0]!.key).toMatch(/^errors\/events\/partitioning-failed\/dt=2026-12-04\//);
    const errors = gunzipSync(out.objects[0]!.body)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { errorCode: string; rawData: string });
    expect(errors.map((e) => Buffer.from(e.rawData, 'base64').toString('utf8'))).toEqual([
      'not json',
      '{"source":"x"}',
    ]);
    expect(errors[0]!.errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
  });

  it('partitions clickstream records by their receive time (date and hour)', async () => {
    // Prepare
    const out = recorder();
    const stream = new DeliveryStream(
      spec({ prefix: lake.clickstream.prefix, partitionQuery: lake.clickstream.metadataQuery }),
      out.write,
      silent,
    );

    // Act
    await stream.put(
      [Buffer.from(JSON.stringify({ sessionId: 's', receivedAt: Date.parse('2026-12-04T23:30:00Z') }))],
      at,
    );
    await stream.flush();

    // Assess
    expect(out.objects.map((o) => o.key)).toEqual([
      expect.stringMatching(/^clickstream\/dt=2026-12-04\/hour=23\//),
    ]);
  });

  it('writes a buffer when it reaches the size hint, without a flush', async () => {
    // Prepare
    const out = recorder();
    const stream = new DeliveryStream(spec({ sizeBytes: 200 }), out.write, silent);

    // Act
    await stream.put(
      [
        event('a', 'B', '2026-12-04T00:00:00Z'),
        event('a', 'B', '2026-12-04T00:00:01Z'),
        event('a', 'B', '2026-12-04T00:00:02Z'),
      ],
      at,
    );
    await stream.flush();

    // Assess: the first object was written when the buffer passed 200 bytes
    expect(out.objects.length).toBeGreaterThanOrEqual(2);
  });

  it('writes a buffer once its interval has passed', async () => {
    // Prepare
    const out = recorder();
    const stream = new DeliveryStream(spec({ intervalMs: 50 }), out.write, silent);

    // Act
    await stream.put([event('a', 'B', '2026-12-04T00:00:00Z')], at);

    // Assess
    await expect.poll(() => out.objects.length, { timeout: 5_000 }).toBe(1);
  });
});

describe('deliveryStreamSpec', () => {
  it('reads the destination, buffering, processors and a Kinesis source from the resolved properties', () => {
    // Prepare
    const r: LocalResource = {
      stack: 'services/analytics',
      service: 'op-analytics',
      logicalId: 'ClickstreamDelivery',
      type: 'AWS::KinesisFirehose::DeliveryStream',
      physicalId: 'clicks',
      attributes: { Arn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks' },
      properties: {
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
          RoleARN: 'role-a',
        },
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::lake',
          RoleARN: 'role-b',
          Prefix: 'p/',
          BufferingHints: { IntervalInSeconds: '3', SizeInMBs: 64 },
          CompressionFormat: 'GZIP',
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'MetadataExtraction',
                Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{a: .a}' }],
              },
              {
                Type: 'AppendDelimiterToRecord',
                Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }],
              },
            ],
          },
        },
      },
    };

    // Act
    const s = deliveryStreamSpec(r);

    // Assess
    expect(s).toMatchObject({
      name: 'clicks',
      bucket: 'lake',
      roleArn: 'role-b',
      source: { streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', roleArn: 'role-a' },
      intervalMs: 3000,
      sizeBytes: 64 * 1024 * 1024,
      gzip: true,
      partitionQuery: '{a: .a}',
      delimiter: '\n',
    });
  });
});

describe('dynamic partitioning under load', () => {
  it('partitions every record of a long run, one at a time and many at once (jq-wasm 1.0 aborted after ~300 queries)', async () => {
    const record = (i: number) =>
      event(
        `order-platform.s${i % 7}`,
        `Type${i % 5}`,
        `2026-12-04T09:${String(i % 60).padStart(2, '0')}:00Z`,
      );
    const oneByOne = [];
    for (let i = 0; i < 1_000; i++) oneByOne.push(await routeRecord(spec(), record(i), at));
    const atOnce = await Promise.all(
      Array.from({ length: 300 }, (_, i) => routeRecord(spec(), record(i), at)),
    );
    expect([...oneByOne, ...atOnce].filter((r) => 'error' in r)).toEqual([]);
    expect(oneByOne[999]).toEqual({ prefix: expect.stringContaining('order-platform.s5') });
  });
});
