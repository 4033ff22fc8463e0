/**
 * P24 / P25 / X7: Postgres stops in the middle of a run and comes back. The writer's
 * temporary failures go back to the queue through partial batch responses and are
 * written once the database returns: nothing lost, nothing doubled. Uses a private
 * Postgres (startPostgres) because the shared one must not stop under other tests.
 */
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresEngine } from '@order-platform/test-support/engines';
import { startPollers } from '@order-platform/test-support/sqs-driver';
import { WRITER_CONCURRENCY } from '../src/domain/budget';
import {
  NO_BILLING_TOPIC,
  RELAY,
  WRITER,
  createQueuePair,
  depth,
  events,
  lambdaContext,
  loadContainer,
  migratedDatabase,
  providerEvent,
  query,
  sqs,
  uid,
  type Container,
  type QueueHandler,
} from './helpers';

/** Waits for a condition on the run's own counters (not for a duration). */
async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 30_000) {
  const end = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Stops the server: SIGTERM (smart shutdown: no new connections), then end the
 * sessions still open (the writers' pooled connections), so the stop completes.
 */
async function stopPostgres(engine: PostgresEngine) {
  const admin = new pg.Client({ connectionString: engine.url });
  // The shutdown ends this session too (FATAL 57P01), possibly before end() runs: that
  // is the point, not an error.
  admin.on('error', () => undefined);
  await admin.connect();
  const paused = engine.pause();
  await admin
    .query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    )
    .catch(() => undefined);
  await admin.end().catch(() => undefined);
  await paused;
}

describe('Postgres stopped mid-run, then restarted', () => {
  let engine: PostgresEngine;
  const containers: Container<unknown>[] = [];
  beforeAll(async () => {
    engine = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(containers.map((c) => c.close()));
    await engine?.stop();
  });

  it('writes every message exactly once after the outage, with the failures retried through the queue', async () => {
    // Prepare: 300 distinct webhooks + 30 duplicates already on the queue
    const id = uid();
    const databaseUrl = await migratedDatabase(engine.url, `outage_${id}`);
    // Time is scaled down: 2 s visibility instead of 90 s. maxReceiveCount is raised to
    // 10 so the shortened outage window cannot push a good message to the DLQ; the
    // deployed 5 × 90 s tolerates a 7.5-minute outage.
    const queues = await createQueuePair(`outage-${id}`, { visibilityTimeout: 2, maxReceiveCount: 10 });
    const busName = `outage-bus-${id}`;
    await events.send(new CreateEventBusCommand({ Name: busName }));
    const env = {
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: '1',
      PAYMENTS_QUEUE_URL: queues.queueUrl,
      PAYMENTS_DLQ_URL: queues.dlqUrl,
      EVENT_BUS_NAME: busName,
      // These webhooks echo no customer: no billing record is ever published.
      BILLING_TOPIC_ARN: NO_BILLING_TOPIC,
      WRITE_MODE: 'batch',
      OUTBOX_RELAY_GRACE_SECONDS: '0',
    };
    const webhooks = Array.from({ length: 300 }, () => providerEvent());
    const bodies = [...webhooks, ...webhooks.slice(0, 30)].map((event) =>
      JSON.stringify({
        kind: 'provider.webhook',
        correlationId: `c-${event.id}`,
        receivedAt: new Date().toISOString(),
        event,
      }),
    );
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.queueUrl,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
        }),
      );
    }
    const writers: QueueHandler[] = [];
    for (let i = 0; i < WRITER_CONCURRENCY; i++) {
      const c = await loadContainer<QueueHandler>(WRITER, env);
      containers.push(c as Container<unknown>);
      writers.push(c.handler);
    }

    // Act: run, stop Postgres after 100 successes, restart it after 20 more failures
    let restarted = false;
    const run = startPollers({
      queueUrl: queues.queueUrl,
      handler: { perPoller: (i) => writers[i]! },
      concurrency: WRITER_CONCURRENCY,
      until: async () => restarted && (await depth(queues.queueUrl)) === 0 && run.stats.inFlight === 0,
      deadlineMs: 100_000,
    });
    await until('100 messages written', () => run.stats.succeeded >= 100);
    await stopPostgres(engine);
    const failedBefore = run.stats.failed;
    await until('20 failures during the outage', () => run.stats.failed >= failedBefore + 20);
    await engine.resume();
    restarted = true;
    const stats = await run.done;

    // The relay publishes what the outage left pending between commit and publish
    const relay = await loadContainer<(e: unknown, c: unknown) => Promise<{ published: number }>>(RELAY, env);
    containers.push(relay as Container<unknown>);
    await relay.handler({}, lambdaContext(30_000));

    // Assess
    expect(stats.failed).toBeGreaterThanOrEqual(20);
    const rows = await query<{ entry_id: string }>(
      databaseUrl,
      'SELECT entry_id FROM payments.ledger_entries',
    );
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((r) => r.entry_id))).toEqual(new Set(webhooks.map((e) => e.id)));
    const outbox = await query<{ n: string; published: string; keys: string }>(
      databaseUrl,
      'SELECT count(*) AS n, count(published_at) AS published, count(DISTINCT idempotency_key) AS keys FROM payments.outbox',
    );
    expect(outbox[0]).toEqual({ n: '300', published: '300', keys: '300' });
    expect(await depth(queues.dlqUrl)).toBe(0);
    expect(await depth(queues.queueUrl)).toBe(0);
    console.info(`[outage] ${JSON.stringify(stats)}`);
  }, 150_000);
});
