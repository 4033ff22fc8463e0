/**
 * P19 + P18 against moto: a CSV put under imports/ -> (the template's S3 notification
 * filter) -> the splitter streams and validates it -> chunks on the chunks queue ->
 * workers with the template's bounded concurrency -> the job gathers the chunks ->
 * the finaliser writes results/<jobId>.json and publishes CatalogImported v1.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageCount, receiveAll } from '@order-platform/test-support/sns-sqs';
import { adjustmentIdOf } from '../src/domain/job';
import { HEADER, catalogCsv, catalogWorld, countProducts, importFile, type CatalogWorld } from './world';

let w: CatalogWorld;

beforeAll(async () => {
  w = await catalogWorld();
});

const product = async (sku: string) => {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const out = await doc.send(
    new GetCommand({ TableName: w.productsTable, Key: { sku }, ConsistentRead: true }),
  );
  return out.Item;
};

describe('CSV import through S3, chunks and workers', () => {
  it('imports a 10,000-row file: exactly 10,000 products, a report whose counts match, one CatalogImported', async () => {
    // Prepare
    const csv = catalogCsv('BIG', 10_000);
    // Act
    const { jobId, split, workers, report } = await importFile(w, 'imports/delta/big.csv', csv);
    // Assess
    expect(split).toEqual([{ outcome: 'split', jobId, chunks: 20, rows: 10_000, rejected: 0 }]);
    expect(workers.maxInFlight).toBeLessThanOrEqual(w.worker.concurrency);
    expect(workers.maxInFlight).toBeGreaterThan(1);
    expect(await countProducts(w, 'BIG-')).toBe(10_000);
    expect(report).toMatchObject({
      jobId,
      status: 'COMPLETED',
      mode: 'delta',
      chunks: 20,
      counts: {
        rows: 10_000,
        created: 10_000,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        deactivated: 0,
        stockAdjustments: 0,
      },
      rejected: [],
    });
    expect(await product('BIG-5')).toMatchObject({
      name: 'BIG item 5, the "best"',
      kind: 'physical',
      prices: { EUR: 1005, USD: 1500 },
      active: true,
      version: 1,
    });
    const events = await receiveAll(w.busQueueUrl, { delete: true });
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.Body!)).toMatchObject({
      source: 'order-platform.catalog',
      'detail-type': 'CatalogImported',
      detail: { metadata: { version: 1, idempotencyKey: jobId }, data: { jobId, counts: report.counts } },
    });
  });

  it('reports each of 3% malformed rows with its line number and reason, and imports the rest', async () => {
    // Prepare: 1,000 rows, every 33rd broken in one of the ways a spreadsheet breaks them
    const breakers = [
      (i: number) => `BAD-${i},Short row,physical`,
      (i: number) => `BAD-${i},Negative,physical,-100,,`,
      (i: number) => `BAD-${i},Cents,physical,12.50,,`,
      (i: number) => `BAD-${i},Sofa,furniture,100,,`,
      () => `BAD-0,Duplicate of line 2,physical,100,,`,
      (i: number) => `BAD-${i},"Broken "quote,physical,100,,`,
    ];
    const lines = [HEADER];
    const expected: { line: number; reason: RegExp }[] = [];
    let bad = 0;
    for (let i = 0; i < 1_000; i++) {
      if (i % 33 === 32) {
        const kind = bad++ % breakers.length;
        lines.push(breakers[kind]!(i));
        expected.push({
          line: lines.length,
          reason: [
            /^missing fields/,
            /must not be negative/,
            /whole number/,
            /^kind:/,
            /^duplicate SKU BAD-0 \(first on line 2\)$/,
            /^broken quoting/,
          ][kind]!,
        });
      } else lines.push(`BAD-${i},Fine ${i},physical,${100 + i},,`);
    }
    // Act
    const { report } = await importFile(w, 'imports/delta/three-percent.csv', `${lines.join('\n')}\n`);
    // Assess
    expect(expected).toHaveLength(30);
    expect(report.counts).toMatchObject({ rows: 1_000, created: 970, rejected: 30 });
    expect(report.rejected.map((r) => r.line)).toEqual(expected.map((e) => e.line));
    report.rejected.forEach((r, i) => expect(r.reason).toMatch(expected[i]!.reason));
    expect(await countProducts(w, 'BAD-')).toBe(970);
  });

  it('is a no-op to upload the same file twice, and bumps only changed products on a changed file', async () => {
    // Prepare
    const csv = `${HEADER}\nSAME-1,Mug,physical,1250,1350,\nSAME-2,Poster,physical,900,,\n`;
    const first = await importFile(w, 'imports/delta/same.csv', csv);
    await receiveAll(w.busQueueUrl, { delete: true });
    // Act: the same bytes to the same key again (a re-sent upload)
    const again = await importFile(w, 'imports/delta/same.csv', csv);
    // Assess: same job, nothing fanned out, no second event, versions untouched
    expect(again.jobId).toBe(first.jobId);
    expect(again.split).toEqual([{ outcome: 'duplicate', jobId: first.jobId }]);
    expect(again.workers.invocations).toBe(0);
    expect(await messageCount(w.busQueueUrl)).toBe(0);
    expect((await product('SAME-1'))!.version).toBe(1);

    // Act: a new version of the file changes one price
    const changed = await importFile(w, 'imports/delta/same.csv', csv.replace('900', '950'));
    expect(changed.jobId).not.toBe(first.jobId);
    expect(changed.report.counts).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect([(await product('SAME-1'))!.version, (await product('SAME-2'))!.version]).toEqual([1, 2]);
    expect((await product('SAME-2'))!.prices).toEqual({ EUR: 950 });
  });

  it('sends the stock column as setTo adjustments to the inventory FIFO queue, with content-derived ids', async () => {
    const csv = `${HEADER}\nSTOCK-1,Mug,physical,1250,,7\nSTOCK-2,Ebook,digital,900,,\n`;
    const { report } = await importFile(w, 'imports/delta/stock.csv', csv);
    const etag = report.source.etag;
    const sent = await receiveAll(w.stockQueue.url, { delete: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.Attributes?.MessageGroupId ?? 'STOCK-1').toBe('STOCK-1');
    expect(JSON.parse(sent[0]!.Body!)).toMatchObject({
      adjustmentId: adjustmentIdOf(etag, 'STOCK-1', 7),
      sku: 'STOCK-1',
      setTo: 7,
    });
  });
});
