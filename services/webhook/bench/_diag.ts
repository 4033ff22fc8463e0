import { startMoto, startPostgres, createDatabase } from '@order-platform/test-support/engines';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
async function main() {
  const [moto, pgE] = await Promise.all([startMoto(), startPostgres()]);
  Object.assign(process.env, { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_DEV: 'true' });
  const { runMigrations } = await import('../src/adapters/migrations');
  const url = await createDatabase(pgE.url, 'diag'); await runMigrations(url);
  const { SQSClient, CreateQueueCommand, SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
  const { EventBridgeClient, CreateEventBusCommand } = await import('@aws-sdk/client-eventbridge');
  const sqs = new SQSClient({});
  const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'q' }))).QueueUrl!;
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }))).QueueUrl!;
  await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: 'bus' }));
  Object.assign(process.env, { DATABASE_URL: url, EVENT_BUS_NAME: 'bus', PAYMENTS_DLQ_URL: dlq });
  const { makeHandler } = await import('../src/handlers/write-ledger');
  const { buildRecordEntries } = await import('../src/adapters/ledger-store');
  const { buildPublishOutbox } = await import('../src/adapters/outbox');
  const { buildPublishEnvelopes } = await import('../src/adapters/event-bus');
  const { buildSendToDlq } = await import('../src/adapters/queue');
  const { getPool } = await import('@order-platform/shared/db/postgres');
  const t = { rec: 0, pub: 0, put: 0 };
  const rec = buildRecordEntries(() => getPool());
  const put = buildPublishEnvelopes(new EventBridgeClient({}), 'bus');
  const pub = buildPublishOutbox(() => getPool(), async (e) => { const s = Date.now(); const r = await put(e); t.put += Date.now() - s; return r; });
  const h = makeHandler({ mode: 'batch', now: () => new Date(), sendToDlq: buildSendToDlq(sqs, dlq),
    recordEntries: async (e) => { const s = Date.now(); const r = await rec(e); t.rec += Date.now() - s; return r; },
    publishOutbox: async (ids) => { const s = Date.now(); const r = await pub(ids); t.pub += Date.now() - s; return r; } });
  const { ulid } = await import('ulid');
  const bodies = Array.from({ length: 100 }, (_, i) => JSON.stringify({ kind: 'provider.webhook', correlationId: 'c', receivedAt: new Date().toISOString(), event: { id: `evt_${i}x`, type: 'payment.succeeded', created: 1763800000, data: { paymentId: 'pay_123', orderId: `ord_${ulid()}`, amount: 5, currency: 'EUR' } } }));
  let s = Date.now();
  for (let i = 0; i < 100; i += 10) await sqs.send(new SendMessageBatchCommand({ QueueUrl: q, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })) }));
  console.log('send', Date.now() - s);
  s = Date.now();
  const st = await drainQueue({ queueUrl: q, handler: h, concurrency: Number(process.argv[2] ?? 5), client: sqs });
  console.log('drain', Date.now() - s, st, t);
  await moto.stop(); await pgE.stop(); process.exit(0);
}
main();
