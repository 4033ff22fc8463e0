/**
 * The catalog end to end (P19, P18): a CSV file put in the catalog bucket through the S3
 * API is imported by the running platform (S3 notification -> splitter -> chunks ->
 * bounded workers -> finaliser) and its products become readable over the public API;
 * its bad lines are in the job's report under results/, not in the catalog.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { jobIdOf, reportKeyOf, type ImportReport } from '../../services/catalog/src/domain/job';
import { call, eventually, type PlatformClient } from './client';
import { check, type Scenario } from './scenarios';

const ROWS = 1_200;
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> =>
  eventually(probe, { timeoutMs, what });

function s3Of(c: PlatformClient): S3Client {
  const endpoint = c.endpoints.aws?.endpoint;
  return new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    ...(endpoint ? { endpoint } : {}),
    ...(c.endpoints.target === 'local'
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

/** The local runner's invocation counters of the import worker (peak = most at once). */
async function workerStats(c: PlatformClient) {
  if (!c.endpoints.controlUrl) return undefined;
  const r = await call<{ name: string; invocations: number; peak: number; limit: number }[]>(
    `${c.endpoints.controlUrl}/_local/functions`,
  );
  return r.body.find((f) => f.name.endsWith('-importChunk'));
}

export const catalogScenarios: Scenario[] = [
  {
    name: 'a CSV put in the catalog bucket is imported in parallel chunks and readable over the public API',
    async run(c, note) {
      const bucket = c.endpoints.aws?.catalogBucket;
      check(bucket, 'the target names its catalog bucket', c.endpoints.aws);
      const catalog = c.endpoints.apis.catalog;
      check(catalog, 'the target has a catalog API', Object.keys(c.endpoints.apis));
      const tag = randomBytes(4).toString('hex').toUpperCase();
      const sku = (i: number) => `E2E-${tag}-${i}`;
      const lines = ['sku,name,kind,price_eur,price_usd'];
      for (let i = 0; i < ROWS; i++)
        lines.push(`${sku(i)},"E2E item ${i}, ${tag}",${i % 4 === 0 ? 'digital' : 'physical'},${1000 + i},`);
      lines.push(`${sku(ROWS)},Bad kind,furniture,100,`, `${sku(0)},Duplicate,physical,100,`);
      const body = `${lines.join('\r\n')}\r\n`;
      const before = await workerStats(c);

      // Act: the merchant's upload
      const key = `imports/delta/e2e-${tag}.csv`;
      const started = Date.now();
      const put = await s3Of(c).send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' }),
      );
      const jobId = jobIdOf({ bucket, key, etag: put.ETag! });

      // Assess: the last row becomes readable over the public API (no token)
      const last = await waitFor(`${sku(ROWS - 1)} was not readable`, async () => {
        const r = await call<{ sku: string; version: number; prices: Record<string, number> }>(
          `${catalog}/products/${sku(ROWS - 1)}`,
        );
        return r.status === 200 ? r.body : undefined;
      });
      check(
        last.version === 1 && last.prices.EUR === 1000 + ROWS - 1,
        'the product is as the file says',
        last,
      );
      const report = await waitFor('the import report was not written', async () => {
        try {
          const out = await s3Of(c).send(new GetObjectCommand({ Bucket: bucket, Key: reportKeyOf(jobId) }));
          return JSON.parse(await out.Body!.transformToString()) as ImportReport;
        } catch (e) {
          if ((e as Error).name === 'NoSuchKey') return undefined;
          throw e;
        }
      });
      const tookMs = Date.now() - started;
      check(
        report.status === 'COMPLETED' &&
          report.counts.created === ROWS &&
          report.counts.rejected === 2 &&
          report.rejected.map((r) => r.line).join() === `${ROWS + 2},${ROWS + 3}`,
        'the report counts every row and names the two bad lines',
        { counts: report.counts, rejected: report.rejected },
      );
      const bad = await call(`${catalog}/products/${sku(ROWS)}`);
      check(bad.status === 404, 'a rejected row is not in the catalog', bad.status);
      const digital = await call<{ items: { sku: string }[]; nextCursor?: string }>(
        `${catalog}/products?kind=digital&limit=5`,
      );
      check(
        digital.status === 200 && digital.body.items.length === 5 && digital.body.nextCursor,
        'GET /products pages by kind with a cursor',
        digital.body,
      );
      // Orders are priced by the platform, from these products (P09).
      const buyer = `c-catalog-${tag.toLowerCase()}`;
      const token = await c.token(buyer);
      const priced = await c.placeOrder(token, [{ sku: sku(1), quantity: 2 }]);
      check(
        priced.status === 201 &&
          priced.body.lines[0]?.unitPrice === 1001 &&
          priced.body.lines[0]?.kind === 'physical' &&
          priced.body.total === 2002,
        'an order for an imported SKU is priced from the catalog',
        priced.body,
      );
      const ownPrice = await call(`${c.endpoints.apis.orders}/orders`, {
        token,
        body: { currency: 'EUR', lines: [{ sku: sku(1), quantity: 1, unitPrice: 1 }] },
      });
      check(
        ownPrice.status === 400 && JSON.stringify(ownPrice.body).includes('lines.0.unitPrice'),
        'a price sent by the client is refused (400 naming unitPrice)',
        ownPrice,
      );
      const unknown = await c.placeOrder(token, [{ sku: `NOPE-${tag}`, quantity: 1 }]);
      check(
        unknown.status === 422 && JSON.stringify(unknown.body).includes(`NOPE-${tag}`),
        'an unknown SKU is a 422 naming it',
        unknown,
      );
      const listed = await c.listOrders(token, buyer);
      check(
        listed.body.orders.length === 1,
        'nothing was written for the refused orders',
        listed.body.orders.map((o) => o.orderId),
      );
      note({
        patterns: 'P09',
        what: 'orders priced from the catalog; client price 400, unknown SKU 422, nothing written',
      });

      const after = await workerStats(c);
      const workers = after && before ? after.invocations - before.invocations : undefined;
      note({
        patterns: 'P19 P18',
        what: `${ROWS + 2} rows -> ${report.chunks} chunks${
          workers !== undefined ? ` -> ${workers} worker invocations (at most ${after!.limit} at once)` : ''
        } -> ${report.counts.created} products, ${report.counts.rejected} bad lines in results/${jobId}.json; ${Math.round(
          (report.counts.rows / (report.durationMs ?? tookMs)) * 1000,
        )} items/s`,
        ms: tookMs,
      });
    },
  },
];
