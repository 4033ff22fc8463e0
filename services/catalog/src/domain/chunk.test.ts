import { describe, expect, it } from 'vitest';
import { ChunkBuilder, planChunk, type Chunk } from './chunk';
import type { ImportRow } from './csv';
import { adjustmentIdOf } from './job';
import type { StoredProduct } from './product';

const row = (sku: string, patch: Partial<ImportRow> = {}): ImportRow => ({
  line: 2,
  sku,
  name: `Name ${sku}`,
  kind: 'physical',
  prices: { EUR: 100 },
  ...patch,
});

const stored = (sku: string, patch: Partial<StoredProduct> = {}): StoredProduct => ({
  sku,
  name: `Name ${sku}`,
  kind: 'physical',
  prices: { EUR: 100 },
  active: true,
  version: 3,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...patch,
});

const JOB = 'a'.repeat(32);
const NOW = '2026-12-03T10:00:00.000Z';
const chunkOf = (rows: ImportRow[]): Chunk => ({ jobId: JOB, index: 0, etag: '"etag-1"', rows });

describe('ChunkBuilder', () => {
  it('cuts rows into chunks of at most N rows, numbered in file order', () => {
    const b = new ChunkBuilder(JOB, 'e', { rows: 2, bytes: 1_000_000 });
    const out = ['A-1', 'A-2', 'A-3', 'A-4', 'A-5'].map((s) => b.add(row(s))).filter(Boolean) as Chunk[];
    const last = b.flush()!;
    expect([...out, last].map((c) => [c.index, c.rows.map((r) => r.sku)])).toEqual([
      [0, ['A-1', 'A-2']],
      [1, ['A-3', 'A-4']],
      [2, ['A-5']],
    ]);
    expect(b.count).toBe(3);
    expect(b.flush()).toBeUndefined();
  });

  it('closes a chunk before it would exceed the byte budget', () => {
    const size = JSON.stringify(row('A-1')).length + 1;
    const b = new ChunkBuilder(JOB, 'e', { rows: 100, bytes: size * 2 });
    expect(b.add(row('A-1'))).toBeUndefined();
    expect(b.add(row('A-2'))).toBeUndefined();
    expect(b.add(row('A-3'))!.rows.map((r) => r.sku)).toEqual(['A-1', 'A-2']);
    expect(b.flush()!.rows.map((r) => r.sku)).toEqual(['A-3']);
  });
});

describe('planChunk', () => {
  it('creates, updates (version + 1), leaves unchanged rows alone and revives inactive products', () => {
    const plan = planChunk(
      chunkOf([
        row('NEW-1'),
        row('SAME-1'),
        row('PRICE-1', { prices: { EUR: 120 } }),
        row('GONE-1'),
        row('CURR-1', { prices: { EUR: 100, USD: 110 } }),
      ]),
      new Map([
        ['SAME-1', stored('SAME-1')],
        ['PRICE-1', stored('PRICE-1')],
        ['GONE-1', stored('GONE-1', { active: false })],
        ['CURR-1', stored('CURR-1')],
      ]),
      NOW,
    );
    expect(plan.counts).toEqual({ created: 1, updated: 3, unchanged: 1, stockAdjustments: 0 });
    expect(plan.writes.map((w) => [w.sku, w.version, w.importOutcome, w.active])).toEqual([
      ['NEW-1', 1, 'created', true],
      ['PRICE-1', 4, 'updated', true],
      ['GONE-1', 4, 'updated', true],
      ['CURR-1', 4, 'updated', true],
    ]);
    expect(plan.writes.every((w) => w.importJobId === JOB && w.updatedAt === NOW)).toBe(true);
  });

  it('counts a retried chunk the same and writes nothing already written by this job', () => {
    const rows = [row('NEW-1'), row('NEW-2'), row('PRICE-1', { prices: { EUR: 9 } })];
    const first = planChunk(chunkOf(rows), new Map([['PRICE-1', stored('PRICE-1')]]), NOW);
    // The worker died after writing NEW-1 and PRICE-1 only.
    const afterCrash = new Map(first.writes.filter((w) => w.sku !== 'NEW-2').map((w) => [w.sku, w]));
    const retry = planChunk(chunkOf(rows), afterCrash, NOW);
    expect(retry.counts).toEqual(first.counts);
    expect(retry.writes.map((w) => w.sku)).toEqual(['NEW-2']);
    // And once everything is written, a third delivery writes nothing and counts the same.
    const all = new Map(first.writes.map((w) => [w.sku, w]));
    expect(planChunk(chunkOf(rows), all, NOW)).toMatchObject({ writes: [], counts: first.counts });
  });

  it('turns a stock cell into a setTo adjustment whose id depends on content, not on the job', () => {
    const plan = planChunk(chunkOf([row('MUG-1', { stock: 7 }), row('EBOOK-1')]), new Map(), NOW);
    expect(plan.adjustments).toEqual([
      {
        adjustmentId: adjustmentIdOf('"etag-1"', 'MUG-1', 7),
        sku: 'MUG-1',
        setTo: 7,
        reason: `catalog import ${JOB}`,
        occurredAt: NOW,
      },
    ]);
    expect(plan.counts.stockAdjustments).toBe(1);
    expect(adjustmentIdOf('"etag-1"', 'MUG-1', 7)).toBe(adjustmentIdOf('etag-1', 'MUG-1', 7));
    expect(adjustmentIdOf('etag-1', 'MUG-1', 8)).not.toBe(adjustmentIdOf('etag-1', 'MUG-1', 7));
    expect(adjustmentIdOf('etag-1', 'MUG-1', 7)).toMatch(/^[\x21-\x7e]{1,128}$/);
  });
});
