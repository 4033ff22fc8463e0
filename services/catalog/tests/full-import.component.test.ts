/**
 * Full vs delta imports: a file under imports/full/ is the whole catalog, so the active
 * products it does not name are deactivated once it completes (a delta never does), each
 * with its version bumped and out of the public list; a product whose row is broken is
 * still named by the file and stays. Its own world: the sweep reads the whole table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEADER, catalogWorld, countProducts, ctx, importFile, type CatalogWorld } from './world';

let w: CatalogWorld;

beforeAll(async () => {
  w = await catalogWorld();
});

const product = async (sku: string) =>
  (
    await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
      new GetCommand({ TableName: w.productsTable, Key: { sku }, ConsistentRead: true }),
    )
  ).Item;

const list = async (query: Record<string, string>) =>
  JSON.parse(
    ((await w.handlers.listProducts({ queryStringParameters: query }, ctx())) as { body: string }).body,
  ) as {
    items: { sku: string }[];
  };

describe('full and delta imports', () => {
  it('deactivates, on a full import only, the active products the file does not name', async () => {
    // Prepare: five products from a delta; a delta naming two of them deactivates nothing
    await importFile(
      w,
      'imports/delta/seed.csv',
      `${HEADER}\n${['OLD-1', 'OLD-2', 'KEEP-1', 'KEEP-2', 'BROKEN-1'].map((s) => `${s},${s},physical,100,,`).join('\n')}\n`,
    );
    const delta = await importFile(
      w,
      'imports/delta/two.csv',
      `${HEADER}\nKEEP-1,KEEP-1,physical,100,,\nKEEP-2,KEEP-2,physical,120,,\n`,
    );
    expect(delta.report.counts).toMatchObject({ unchanged: 1, updated: 1, deactivated: 0 });
    expect(await countProducts(w, '')).toBe(5);
    // Act: the full catalog names KEEP-1, KEEP-2, a new NEW-1, and BROKEN-1 on a bad line
    const { report } = await importFile(
      w,
      'imports/full/catalog.csv',
      `${HEADER}\nKEEP-1,KEEP-1,physical,100,,\nKEEP-2,KEEP-2,physical,120,,\nNEW-1,New,digital,5,,\nBROKEN-1,B,sofa,1,,\n`,
    );
    // Assess
    expect(report).toMatchObject({ mode: 'full', status: 'COMPLETED' });
    expect(report.counts).toMatchObject({ rows: 4, created: 1, unchanged: 2, rejected: 1, deactivated: 2 });
    expect(await product('OLD-1')).toMatchObject({ active: false, version: 2 });
    expect(await product('BROKEN-1')).toMatchObject({ active: true, version: 1 });
    expect((await list({ limit: '50' })).items.map((p) => p.sku).sort()).toEqual([
      'BROKEN-1',
      'KEEP-1',
      'KEEP-2',
      'NEW-1',
    ]);
    // A deactivated product named again comes back (version + 1).
    const back = await importFile(w, 'imports/delta/back.csv', `${HEADER}\nOLD-1,OLD-1,physical,100,,\n`);
    expect(back.report.counts).toMatchObject({ updated: 1 });
    expect(await product('OLD-1')).toMatchObject({ active: true, version: 3 });
  });
});
