/**
 * Analytics over the running platform (P22, P23): clickstream batches posted through
 * POST /clickstream (API Gateway -> Kinesis, no Lambda) and the domain events of the
 * orders this suite places (the platform bus -> Firehose) land in the lake under their
 * partitions, and each named query of the Athena workgroup, run locally by DuckDB
 * (`npm run lake:query`), returns the figures this suite produced.
 *
 * The suite's orders and refund are in GBP, a currency no other e2e file uses, so the
 * GBP rows of the revenue and refund queries are this file's alone; its sessions are the
 * only clickstream of the run.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runNamedQuery, type LakeTarget, type QueryResult } from '../../local/src/lake-query';
import { PlatformClient, call, eventually, type OrderView } from '../src/client';

const client = new PlatformClient(JSON.parse(inject('endpoints')));
const local = client.endpoints.target === 'local';

interface LocalView {
  apiKeys: Record<string, string>;
  engines: { moto: string };
  exports: Record<string, string>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const session = () => `sess_${randomUUID().replace(/-/g, '')}`;
const now = () => new Date().toISOString();

describe.runIf(local)('analytics: clickstream and domain events in the data lake', () => {
  let url: string;
  let apiKey: string;
  let lake: LakeTarget;
  let bucket: string;
  let s3: S3Client;
  /** Session ids of the refused requests: none may ever reach the lake. */
  const refused: string[] = [];

  const post = (body: unknown, headers: Record<string, string> = { 'x-api-key': apiKey }) =>
    call<{ accepted?: boolean; failed?: number; error?: { code: string } }>(`${url}/clickstream`, {
      body,
      headers,
    });
  const keys = async (prefix: string): Promise<string[]> => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!);
  };
  const flush = () =>
    call<{ written: string[] }>(`${client.endpoints.controlUrl}/_local/firehose/flush`, { method: 'POST' });

  beforeAll(async () => {
    const info = (await call<LocalView>(`${client.endpoints.controlUrl}/_local/info`)).body;
    url = client.endpoints.apis.analytics!;
    apiKey = Object.entries(info.apiKeys).find(([name]) => name.startsWith('op-analytics-clickstream'))![1];
    bucket = Object.entries(info.exports).find(([name]) => /^op-analytics-.*-LakeBucketName$/.test(name))![1];
    const resources = await client.resources();
    lake = {
      endpoint: info.engines.moto,
      workGroup: resources.find((r) => r.type === 'AWS::Athena::WorkGroup')!.physicalId,
    };
    s3 = new S3Client({
      endpoint: info.engines.moto,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      forcePathStyle: true,
    });
  });

  it('refuses bad clickstream input with a 4xx and writes nothing', async () => {
    // Prepare: a session id per bad request, looked for in the lake afterwards
    const bad = Array.from({ length: 6 }, session);
    refused.push(...bad);
    const view = { type: 'product_view', productId: 'STICKER-PACK', occurredAt: now() };

    // Act
    const replies: { status: number; body: { error?: { code: string } } }[] = [
      await post({ sessionId: bad[0], events: [{ ...view, type: 'page_scroll' }] }),
      await post({ sessionId: bad[1], events: [], extra: true }),
      await post({ sessionId: bad[2], events: Array.from({ length: 101 }, () => view) }),
      await post({ sessionId: bad[3], events: [view] }, {}),
      await post({ sessionId: bad[4], events: [view] }, { 'x-api-key': 'not-a-key' }),
      await call(`${url}/clickstream`, {
        body: JSON.stringify({ sessionId: bad[5], events: [view] }),
        headers: { 'x-api-key': apiKey, 'content-type': 'text/plain' },
      }),
    ];

    // Assess: validation 400s name the problem; no key or a wrong key is 403; text is 415
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 403, 403, 415]);
    expect(replies[0]!.body.error?.code).toBe('VALIDATION_FAILED');
    expect(replies[2]!.body.error?.code).toBe('VALIDATION_FAILED');
    await flush();
    const conversion = await runNamedQuery(lake, 'view-to-order-conversion');
    expect(conversion.objects.clickstream ?? 0).toBe(0);
  });

  it('lands clickstream and domain events under their partitions; every named query returns this suite’s figures', async () => {
    // Prepare: a customer who views, adds to cart and orders twice; a second who only views
    await client.provider({ mode: 'approve', confirmDelayMs: 300 });
    const customerId = `c-lake-${randomUUID().slice(0, 8)}`;
    const token = await client.token(customerId);
    const buyer = session();
    const browser = session();

    // Act: the clickstream, then two orders in GBP confirmed, then a refund of one of them
    const views = await post({
      sessionId: buyer,
      events: [
        { type: 'product_view', productId: 'STICKER-PACK', occurredAt: now() },
        { type: 'cart_add', productId: 'STICKER-PACK', occurredAt: now() },
        { type: 'checkout_step', step: 'address', occurredAt: now() },
      ],
    });
    expect(views.status).toBe(202);
    expect(views.body).toMatchObject({ accepted: true, failed: 0 });
    expect(
      (
        await post({
          sessionId: browser,
          events: [{ type: 'product_view', productId: 'MUG', occurredAt: now() }],
        })
      ).status,
    ).toBe(202);

    const orders: OrderView[] = [];
    for (let i = 0; i < 2; i++) {
      const placed = await client.placeOrder(
        token,
        [{ sku: 'STICKER-PACK', quantity: i + 1 }],
        randomUUID(),
        'GBP',
      );
      expect(placed.status).toBe(201);
      const confirmed = await client.waitForStatus(token, placed.body.orderId, ['CONFIRMED'], 120_000);
      orders.push(confirmed);
      const step = {
        type: 'checkout_step',
        step: 'order_placed',
        orderId: confirmed.orderId,
        occurredAt: now(),
      };
      expect((await post({ sessionId: buyer, events: [step] })).status).toBe(202);
    }
    const revenue = orders.reduce((sum, o) => sum + o.total, 0);

    // The refund goes through the provider's webhooks, as in the order-to-cash suite: a
    // capture and a partial refund for an order of their own (a second capture of a
    // confirmed order would be the reconciler's to refund).
    const refundedOrder = `ord_${Array.from({ length: 26 }, () => CROCKFORD[Math.floor(Math.random() * 32)]).join('')}`;
    const paymentId = `pay_lake_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const payment = (type: string, extra: Record<string, unknown> = {}) => ({
      id: `evt_lake_${randomUUID().replace(/-/g, '')}`,
      type,
      created: Math.floor(Date.now() / 1000),
      data: {
        paymentId,
        orderId: refundedOrder,
        amount: 1_000,
        currency: 'GBP',
        customerId,
        ...extra,
      },
    });
    expect((await client.providerWebhook(payment('payment.succeeded'))).status).toBe(202);
    const refundId = `re_lake_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    expect(
      (await client.providerWebhook(payment('refund.succeeded', { refundId, amount: 150 }))).status,
    ).toBe(202);

    // Assess: clickstream objects appear on their own, within the buffering interval
    const day = new Date().toISOString().slice(0, 10);
    const clickKeys = await eventually(
      async () =>
        (await keys(`clickstream/dt=${day}/`)).length ? keys(`clickstream/dt=${day}/`) : undefined,
      {
        timeoutMs: 60_000,
        what: 'clickstream objects in the lake without a flush',
      },
    );
    expect(clickKeys[0]).toMatch(new RegExp(`^clickstream/dt=${day}/hour=\\d{2}/.+\\.gz$`));

    // The queries, once the events of this suite reached the lake (flushed on demand)
    const byName = async (name: string) => runNamedQuery(lake, name);
    const gbp = (r: QueryResult) => r.rows.filter((row) => row.currency === 'GBP');
    const sum = (rows: Record<string, unknown>[], col: string) =>
      rows.reduce((s, r) => s + Number(r[col]), 0);
    let last: unknown;
    const results = await eventually(
      async () => {
        await flush();
        const [daily, conversion, refunds] = await Promise.all([
          byName('daily-revenue'),
          byName('view-to-order-conversion'),
          byName('refunds-per-day'),
        ]);
        last = { daily: daily.rows, conversion: conversion.rows, refunds: refunds.rows };
        const ready =
          sum(gbp(daily), 'orders') === 2 &&
          sum(gbp(refunds), 'refunds') === 1 &&
          sum(conversion.rows, 'orders') === 2;
        return ready ? { daily, conversion, refunds } : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 1_000,
        what: 'the named queries to see this suite’s events',
        last: () => last,
      },
    );

    expect(sum(gbp(results.daily), 'revenue')).toBe(revenue);
    expect(sum(gbp(results.refunds), 'refunded')).toBe(150);
    expect(sum(results.conversion.rows, 'viewing_sessions')).toBe(2);
    expect(sum(results.conversion.rows, 'orders')).toBe(2);

    // ...and the partitions hold them where the Glue tables project them
    expect(await keys(`events/source=order-platform.orders/type=OrderConfirmed/dt=${day}/`)).not.toHaveLength(
      0,
    );
    expect(await keys(`events/source=order-platform.payments/type=RefundIssued/dt=${day}/`)).not.toHaveLength(
      0,
    );
    expect(await keys('errors/')).toEqual([]);

    // ...and the clickstream holds this suite's two sessions, nothing of the refused requests
    const sessions = new Set<string>();
    for (const key of await keys('clickstream/')) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const lines = gunzipSync(await object.Body!.transformToByteArray())
        .toString('utf8')
        .trim()
        .split('\n');
      for (const line of lines) sessions.add((JSON.parse(line) as { sessionId: string }).sessionId);
    }
    expect([...sessions].sort()).toEqual([buyer, browser].sort());
    expect(refused.filter((id) => sessions.has(id))).toEqual([]);
  });
});
