/**
 * Reporting numbers, one run, real local engines (moto_server, Postgres, Redis):
 *
 * 1. Report latency, cache hit vs miss, side by side: the real handlers (makeHandler,
 *    the same adapters as deployed) over a seeded read model. A miss is forced by
 *    starting a new cache generation before the read (the bump is not timed).
 * 2. Projection lag: a write to the orders table (moto) until the row is in the read
 *    model, through the stream driver and the real projector handler, in a loop.
 *
 *   npx tsx services/reporting/bench/reporting.bench.ts   (writes services/reporting/bench-results.md)
 *
 * Options (env): BENCH_ORDERS (20000), BENCH_MISSES (300), BENCH_HITS (5000), BENCH_LAG (150).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Redis } from 'ioredis';
import pg from 'pg';

// @middy/core (under the shared observability module) exports only for `import`; tsx runs
// this repository's .ts files as CommonJS, where require() would not find it. A
// synchronous resolve hook (Node >= 22.15) adds the condition, for this process only.
registerHooks({
  resolve: (specifier, context, next) =>
    next(specifier, { ...context, conditions: [...(context.conditions ?? []), 'import'] }),
});

const ORDERS = Number(process.env.BENCH_ORDERS ?? 20_000);
const MISSES = Number(process.env.BENCH_MISSES ?? 300);
const HITS = Number(process.env.BENCH_HITS ?? 5_000);
const LAG = Number(process.env.BENCH_LAG ?? 150);

type Http = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99) };
}
const ms = (n: number) => n.toFixed(2);

async function main() {
  const { startMoto, startPostgres, startRedis, createDatabase } =
    await import('../../../test-support/src/engines');
  const started = Date.now();
  const [moto, postgres, redisEngine] = await Promise.all([startMoto(), startPostgres(), startRedis()]);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const dbUrl = await createDatabase(postgres.url, 'reporting_bench');
  Object.assign(process.env, {
    DATABASE_URL: dbUrl,
    REDIS_URL: redisEngine.url,
    CACHE_PREFIX: 'bench:',
    PROJECTOR_FAILURE_QUEUE_URL: 'unused',
  });

  const { migrate } = await import('../src/adapters/migrations');
  const rm = await import('../src/adapters/read-model');
  const { buildRedisCacheStore } = await import('../src/adapters/redis-cache');
  const { readThrough } = await import('../src/domain/cache');
  const { rowFromChange } = await import('../src/domain/order-item');
  const { createTableFromTemplate, lambdaContext } = await import('../../../test-support/src/aws');
  const { openStreamDriver, toStreamEvent } = await import('../../../test-support/src/stream-driver');
  const { httpEvent } = await import('../../../test-support/src/http-events');
  const { repoRoot } = await import('../../../test-support/src/template');

  // One connection, as a Lambda container has (P24).
  const pool = new pg.Pool({ connectionString: dbUrl, max: 1 });
  await migrate(pool);
  const redis = new Redis(redisEngine.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
  });
  await new Promise((r) => redis.once('ready', r));
  const store = buildRedisCacheStore(redis, 'bench:');
  const silent = { read: () => undefined, unavailable: () => undefined };
  const cache = readThrough(store, silent);

  // ---- seed --------------------------------------------------------------------------
  const seedStart = Date.now();
  const currencies = ['EUR', 'USD', 'GBP'] as const;
  const statuses = ['CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CANCELLED', 'FAILED', 'PLACED'];
  const apply = rm.buildApplyRows(pool);
  for (let i = 0; i < ORDERS; i += 500) {
    const rows = Array.from({ length: Math.min(500, ORDERS - i) }, (_, k) => {
      const n = i + k;
      const created = new Date(
        Date.UTC(2026, 0, 1) + (n % 365) * 86_400_000 + (n % 86_400) * 1000,
      ).toISOString();
      const lines = Array.from({ length: 1 + (n % 3) }, (_, l) => ({
        sku: `SKU-${(n * 7 + l * 13) % 50}`,
        quantity: 1 + ((n + l) % 4),
        unitPrice: 500 + ((n * 31) % 5000),
      }));
      return rowFromChange({
        eventName: 'INSERT',
        keys: { SK: 'ORDER' },
        newImage: {
          SK: 'ORDER',
          entity: 'Order',
          orderId: `ord_bench_${n}`,
          customerId: `cust-${n % 2000}`,
          status: statuses[n % statuses.length],
          lines,
          total: lines.reduce((t, l) => t + l.quantity * l.unitPrice, 0),
          currency: currencies[n % 3],
          createdAt: created,
          updatedAt: created,
          version: 1,
        },
      })!;
    });
    await apply(rows);
  }
  const seedMs = Date.now() - seedStart;

  // ---- 1. report latency: hit vs miss -------------------------------------------------
  const sales = (await import('../src/handlers/sales-daily')).makeHandler({
    cache,
    queryDailySales: rm.buildQueryDailySales(pool),
  }) as Http;
  const summary = (await import('../src/handlers/customer-summary')).makeHandler({
    cache,
    queryCustomerSummary: rm.buildQueryCustomerSummary(pool),
  }) as Http;
  const top = (await import('../src/handlers/top-products')).makeHandler({
    cache,
    queryTopProducts: rm.buildQueryTopProducts(pool),
  }) as Http;
  const admin = { customerId: 'ops', role: 'admin' as const };
  const reports: { name: string; call: () => Promise<APIGatewayProxyResult>; namespace: string }[] = [
    {
      name: 'daily sales, 90 days',
      namespace: 'sales',
      call: () => sales(httpEvent({ query: { from: '2026-03-01', to: '2026-05-29' }, principal: admin })),
    },
    {
      name: 'customer summary',
      namespace: 'customer:cust-42',
      call: () => summary(httpEvent({ pathParameters: { customerId: 'cust-42' }, principal: admin })),
    },
    {
      name: 'top products, 10',
      namespace: 'sales',
      call: () => top(httpEvent({ query: { limit: '10' }, principal: admin })),
    },
  ];
  const latency: { name: string; hit: ReturnType<typeof stats>; miss: ReturnType<typeof stats> }[] = [];
  for (const report of reports) {
    const time = async (expect: string) => {
      const t = performance.now();
      const r = await report.call();
      const d = performance.now() - t;
      if (r.statusCode !== 200 || r.headers?.['x-cache'] !== expect)
        throw new Error(`${report.name}: ${r.statusCode} ${r.headers?.['x-cache']}, expected ${expect}`);
      return d;
    };
    for (let i = 0; i < 50; i++) await report.call(); // warm-up (JIT, connections)
    const miss: number[] = [];
    const hit: number[] = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < Math.max(MISSES, HITS); i++) {
      if (i < MISSES) {
        await store.bump([report.namespace]);
        miss.push(await time('miss'));
      }
      hit.push(await time('hit'));
      if (hit.length >= HITS && miss.length >= MISSES) break;
    }
    latency.push({ name: report.name, hit: stats(hit.slice(0, HITS)), miss: stats(miss) });
  }

  // ---- 2. projection lag ---------------------------------------------------------------
  const table = await createTableFromTemplate(
    'services/orders',
    'OrdersTable',
    `orders-bench-${randomUUID().slice(0, 8)}`,
  );
  const stream = await openStreamDriver(table, { from: 'NOW' });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const project = (await import('../src/handlers/project-orders')).makeHandler({
    applyRows: rm.buildApplyRows(pool),
    parkPoison: async () => undefined,
    readModelChanged: async (affected) => {
      const { namespacesFor } = await import('../src/domain/reports');
      await store.bump(namespacesFor(affected));
    },
  });
  const ctx = () => lambdaContext(60_000) as unknown as Context;
  const lag: number[] = [];
  const streamPart: number[] = [];
  const projectPart: number[] = [];
  for (let i = 0; i < LAG; i++) {
    const id = `ord_lag_${i}_${randomUUID().slice(0, 6)}`;
    const now = new Date().toISOString();
    const t0 = performance.now();
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: `ORDER#${id}`,
          SK: 'ORDER',
          entity: 'Order',
          orderId: id,
          customerId: 'cust-lag',
          status: 'CONFIRMED',
          lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
          total: 100,
          currency: 'EUR',
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
      }),
    );
    const records = await stream.waitFor(1, { intervalMs: 2, timeoutMs: 10_000 });
    const t1 = performance.now();
    const out = await project(toStreamEvent(records), ctx());
    if (out.batchItemFailures.length) throw new Error('projection failed');
    const { rowCount } = await pool.query('SELECT 1 FROM reporting.orders WHERE order_id = $1', [id]);
    const t2 = performance.now();
    if (rowCount !== 1) throw new Error(`order ${id} not projected`);
    lag.push(t2 - t0);
    streamPart.push(t1 - t0);
    projectPart.push(t2 - t1);
  }

  // ---- report --------------------------------------------------------------------------
  const lagS = stats(lag);
  const streamS = stats(streamPart);
  const projectS = stats(projectPart);
  const rows = latency.map(
    (l) =>
      `| ${l.name} | ${ms(l.hit.p50)} | ${ms(l.hit.p99)} | ${ms(l.miss.p50)} | ${ms(l.miss.p99)} | ${(l.miss.p50 / l.hit.p50).toFixed(1)}x | ${l.hit.n} / ${l.miss.n} |`,
  );
  const md = `# Reporting bench results

Command: \`npx tsx services/reporting/bench/reporting.bench.ts\` (from the repository root).
Run: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), shared with other jobs.
Engines: moto_server, Postgres ${(await pool.query('SHOW server_version')).rows[0].server_version} (fsync off), Redis, all local on loopback.
Read model: ${ORDERS} orders, ${Math.min(2000, ORDERS)} customers, 50 SKUs, 365 days, 3 currencies (seeded in ${(seedMs / 1000).toFixed(1)} s through the projector's write path).

## Report latency: cache hit vs miss (ms, handler only: parse, authorise, cache, query, JSON)

A miss is one Postgres query plus the cache fill (Redis: generation GET, value GET, lock SET NX,
re-check GET, SET, unlock); a hit is two Redis GETs. Pool of 1 connection, as in a Lambda container.

| report | hit p50 | hit p99 | miss p50 | miss p99 | miss/hit (p50) | samples hit / miss |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Projection lag: orders table write -> row in the read model (ms)

Write to moto's DynamoDB, read the stream with the stream driver (polling every 2 ms), run the
projector handler (one transaction: guarded upsert, lines, aggregate recompute, cache bump),
confirm the row with a SELECT. ${LAG} single-record iterations.

| part | p50 | p99 |
|---|---|---|
| write -> record read from the stream | ${ms(streamS.p50)} | ${ms(streamS.p99)} |
| projector handler + check | ${ms(projectS.p50)} | ${ms(projectS.p99)} |
| **total lag** | **${ms(lagS.p50)}** | **${ms(lagS.p99)}** |

In AWS the stream part is dominated by the event source mapping instead: DynamoDB Streams
are polled about four times a second per shard, plus the mapping's \`batchWindow\` (2 s here,
traded for fewer, larger transactions), so expect roughly 0.3-2.5 s end to end.

Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.
`;
  // Formatted like every other file, so `npm run lint` stays clean after a bench run.
  const { format } = await import('prettier');
  const formatted = await format(md, { parser: 'markdown', singleQuote: true, printWidth: 110 });
  writeFileSync(join(repoRoot, 'services', 'reporting', 'bench-results.md'), formatted);
  process.stdout.write(formatted);

  redis.disconnect();
  await pool.end();
  (await import('@order-platform/shared/cache/redis')).closeRedis();
  await (await import('@order-platform/shared/db/postgres')).closePool();
  await Promise.all([moto.stop(), postgres.stop(), redisEngine.stop()]);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
