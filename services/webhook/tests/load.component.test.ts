/**
 * P01 / P17 / P24 / P25 / X1 / X7 under load: 1,000 deliveries (10 % duplicates, 2 %
 * poison) through the real receiver and the real writer, run by WRITER_CONCURRENCY
 * pollers, each its own "container" with its own pool of 1. Postgres connections are
 * sampled from pg_stat_activity for the whole run.
 */
import { SendMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
import { POOL_SIZE_PER_CONTAINER, WRITER_CONCURRENCY } from '../src/domain/budget';
import type { ProviderWebhook } from '../src/domain/messages';
import {
  NO_BILLING_TOPIC,
  RECEIVER,
  WRITER,
  createQueuePair,
  createSigningSecret,
  depth,
  events,
  lambdaContext,
  loadContainer,
  migratedDatabase,
  orderId,
  providerEvent,
  query,
  signedRequest,
  sqs,
  uid,
  type Container,
  type HttpHandler,
  type QueueHandler,
} from './helpers';

const SECRET = 'whsec_load';
const TYPES: ProviderWebhook['type'][] = ['payment.succeeded', 'payment.failed', 'refund.succeeded'];

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function sendRaw(queueUrl: string, bodies: string[]) {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
      }),
    );
  }
}

/** Samples the connections to one database until stopped; returns the highest count seen. */
function connectionMonitor(serverUrl: string, database: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const r = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        [database],
      );
      max = Math.max(max, r.rows[0]!.n);
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

describe('1,000 deliveries: 10 % duplicates, 2 % poison, writer at its configured concurrency', () => {
  const containers: Container<unknown>[] = [];
  afterAll(async () => {
    await Promise.all(containers.map((c) => c.close()));
  });

  let env: Record<string, string>;
  let databaseUrl: string;
  let dbName: string;
  let queues: Awaited<ReturnType<typeof createQueuePair>>;

  beforeAll(async () => {
    const id = uid();
    dbName = `webhook_load_${id}`;
    // A bus without rules: moto delivers each event to an SQS target in ~0.3 s, which
    // would dominate a 1,000-message run. Publication is checked through the outbox here;
    // the flow tests observe real rule → SQS deliveries.
    const busName = `load-bus-${id}`;
    await events.send(new CreateEventBusCommand({ Name: busName }));
    [databaseUrl, queues] = await Promise.all([
      migratedDatabase(inject('postgresUrl'), dbName),
      createQueuePair(`load-${id}`, { visibilityTimeout: 30 }),
    ]);
    env = {
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(POOL_SIZE_PER_CONTAINER),
      PAYMENTS_QUEUE_URL: queues.queueUrl,
      PAYMENTS_DLQ_URL: queues.dlqUrl,
      EVENT_BUS_NAME: busName,
      // These webhooks echo no customer: no billing record is ever published.
      BILLING_TOPIC_ARN: NO_BILLING_TOPIC,
      SIGNING_SECRET_ID: await createSigningSecret(SECRET),
      SIGNING_SECRET_PARAMETER: '',
      WRITE_MODE: 'batch',
    };
  });

  it('writes every distinct valid message once, dead-letters exactly the poison, loses nothing, stays within the connection budget', async () => {
    // Prepare: 830 webhooks + 50 refund requests (distinct), 100 duplicates, 20 poison = 1,000
    const webhooks = Array.from({ length: 830 }, (_, i) =>
      providerEvent({ type: TYPES[i % 3]!, data: { amount: 100 + i } }),
    );
    const refunds = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({
        kind: 'refund.requested',
        orderId: orderId(),
        paymentId: `pay_r${i}x`,
        amount: 500 + i,
        currency: 'GBP',
        idempotencyKey: `refund-${uid()}-${i}`,
      }),
    );
    const webhookRequests = webhooks.map((e) => signedRequest(e, SECRET));
    const duplicateWebhooks = webhookRequests.filter((_, i) => i % 10 === 3).slice(0, 80);
    const duplicateRefunds = refunds.slice(0, 20);
    const poison = [
      ...Array.from({ length: 5 }, (_, i) => `{"kind": "provider.webhook", "broken": ${i}`),
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ kind: 'coupon.redeemed', id: i })),
      ...Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({
          kind: 'refund.requested',
          orderId: orderId(),
          paymentId: 'pay_bad',
          amount: -5 - i,
          currency: 'EUR',
          idempotencyKey: `bad-${i}`,
        }),
      ),
      ...Array.from({ length: 5 }, () =>
        JSON.stringify({
          kind: 'provider.webhook',
          correlationId: 'c',
          receivedAt: new Date().toISOString(),
          event: { ...providerEvent(), id: undefined },
        }),
      ),
    ];
    expect(
      webhookRequests.length +
        refunds.length +
        duplicateWebhooks.length +
        duplicateRefunds.length +
        poison.length,
    ).toBe(1000);

    // moto's SQS slows down with queue depth (it scans every message on each call), so
    // the deliveries arrive in 10 waves of 100, each drained by the writers: as in
    // production, the writer works while webhooks keep coming. Duplicates span waves.
    const deliveries: (
      { kind: 'http'; req: (typeof webhookRequests)[number] } | { kind: 'sdk'; body: string }
    )[] = [
      ...webhookRequests.map((req) => ({ kind: 'http' as const, req })),
      ...duplicateWebhooks.map((req) => ({ kind: 'http' as const, req })),
      ...[...refunds, ...duplicateRefunds, ...poison].map((body) => ({ kind: 'sdk' as const, body })),
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }

    const receiver = await loadContainer<HttpHandler>(RECEIVER, env);
    containers.push(receiver as Container<unknown>);
    const writers: QueueHandler[] = [];
    for (let i = 0; i < WRITER_CONCURRENCY; i++) {
      const c = await loadContainer<QueueHandler>(WRITER, env);
      containers.push(c as Container<unknown>);
      writers.push(c.handler);
    }

    // Act
    const monitor = connectionMonitor(inject('postgresUrl'), dbName);
    const statuses: number[] = [];
    const totals = { invocations: 0, succeeded: 0, failed: 0, maxInFlight: 0 };
    for (let wave = 0; wave < 10; wave++) {
      const slice = deliveries.slice(wave * 100, wave * 100 + 100);
      await inBatches(
        slice.filter((d) => d.kind === 'http'),
        25,
        async (d) =>
          statuses.push(
            (
              await receiver.handler(
                { ...(d as { req: (typeof webhookRequests)[number] }).req },
                lambdaContext(),
              )
            ).statusCode,
          ),
      );
      await sendRaw(
        queues.queueUrl,
        slice.flatMap((d) => (d.kind === 'sdk' ? [d.body] : [])),
      );
      const stats = await drainQueue({
        queueUrl: queues.queueUrl,
        handler: { perPoller: (i) => writers[i]! },
        concurrency: WRITER_CONCURRENCY,
        deadlineMs: 90_000,
      });
      totals.invocations += stats.invocations;
      totals.succeeded += stats.succeeded;
      totals.failed += stats.failed;
      totals.maxInFlight = Math.max(totals.maxInFlight, stats.maxInFlight);
    }
    const connections = await monitor.stop();
    expect(statuses.filter((s) => s === 202)).toHaveLength(910);

    // Assess: ledger = distinct valid ids, nothing else
    const expectedIds = new Set([
      ...webhooks.map((e) => e.id),
      ...refunds.map((r) => `refund-request:${JSON.parse(r).idempotencyKey}`),
    ]);
    const rows = await query<{ entry_id: string }>(
      databaseUrl,
      'SELECT entry_id FROM payments.ledger_entries',
    );
    expect(rows).toHaveLength(880);
    expect(new Set(rows.map((r) => r.entry_id))).toEqual(expectedIds);

    // DLQ = the poison, each with its reason; the source queue is empty
    const dlq = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.dlqUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 60,
        }),
      );
      if (!out.Messages?.length) break;
      dlq.push(...out.Messages);
    }
    // SQS (and moto, which is not thread-safe) may deliver a message twice; a poison
    // message delivered twice is dead-lettered twice with the same source message id.
    const deadSources = new Set(dlq.map((m) => m.MessageAttributes?.['failure.sourceId']?.StringValue));
    expect(deadSources.size).toBe(20);
    expect(new Set(dlq.map((m) => m.Body))).toEqual(new Set(poison));
    expect(dlq.every((m) => m.MessageAttributes?.['failure.reason']?.StringValue)).toBe(true);
    expect(await depth(queues.queueUrl)).toBe(0);

    // One event per provider webhook, published once; none for refund requests or duplicates
    const outbox = await query<{
      idempotency_key: string;
      published_at: Date | null;
      publish_attempts: number;
    }>(databaseUrl, 'SELECT idempotency_key, published_at, publish_attempts FROM payments.outbox');
    expect(outbox).toHaveLength(830);
    expect(new Set(outbox.map((r) => r.idempotency_key))).toEqual(
      new Set(webhooks.map((e) => `payments:${e.id}`)),
    );
    expect(outbox.every((r) => r.published_at !== null && r.publish_attempts === 1)).toBe(true);

    // P24: never more connections than containers × pool size
    expect(connections.samples).toBeGreaterThan(0);
    expect(connections.max).toBeGreaterThanOrEqual(1);
    expect(connections.max).toBeLessThanOrEqual(WRITER_CONCURRENCY * POOL_SIZE_PER_CONTAINER);
    console.info(
      `[load] ${JSON.stringify(totals)}; max pg connections ${connections.max} over ${connections.samples} samples`,
    );
  }, 300_000);
});
