import { describe, expect, it } from 'vitest';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import type { Chunk } from './chunk';
import { CurrencyNotOfferedError, ProductInactiveError, UnknownProductError } from './errors';
import { jobIdOf, readyToComplete, type ImportJob, type ImportReport, type Manifest } from './job';
import type { NewJob } from './ports';
import type { StoredProduct } from './product';
import { finalizeImport, priceLines, processChunk, startImport } from './use-cases';

const now = () => new Date('2026-12-03T10:00:00.000Z');

/** An in-memory catalog with the adapters' conditional semantics (one item per job). */
function world() {
  const products = new Map<string, StoredProduct>();
  const jobs = new Map<string, ImportJob & { doneChunks: Set<number> }>();
  const chunks: Chunk[] = [];
  const finalizeRequests: string[] = [];
  const adjustments: StockAdjustmentV1[] = [];
  const manifests = new Map<string, Manifest>();
  const reports = new Map<string, ImportReport>();
  const events: Envelope<unknown>[] = [];
  let claims = 0;
  const files = new Map<string, string>();
  const copy = (j: ImportJob & { doneChunks: Set<number> }): ImportJob => {
    const { doneChunks: _d, ...rest } = j;
    return structuredClone(rest);
  };

  const split = startImport({
    createJob: async (job: NewJob) => {
      const existing = jobs.get(job.jobId);
      if (existing) return { created: false, job: copy(existing) };
      jobs.set(job.jobId, {
        ...job,
        status: 'RUNNING',
        chunksDone: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        stockAdjustments: 0,
        doneChunks: new Set(),
      });
      return { created: true };
    },
    openFile: async (source) => {
      const text = files.get(source.key)!;
      return (async function* () {
        yield Buffer.from(text);
      })();
    },
    sendChunk: async (c) => void chunks.push(structuredClone(c)),
    putManifest: async (id, m) => void manifests.set(id, m),
    finishSplit: async (id, totals) => {
      const j = jobs.get(id)!;
      if (j.status === 'RUNNING' && (j.chunksTotal === undefined || j.chunksTotal === totals.chunksTotal))
        Object.assign(j, { chunksTotal: totals.chunksTotal, rows: totals.rows, rejected: totals.rejected });
      return copy(j);
    },
    failJob: async (id, error) => {
      const j = jobs.get(id)!;
      if (j.status === 'RUNNING') Object.assign(j, { status: 'FAILED', error });
    },
    putReport: async (r) => (reports.set(r.jobId, r), `results/${r.jobId}.json`),
    requestFinalize: async (id) => void finalizeRequests.push(id),
    now,
  });

  const work = processChunk({
    loadProducts: async (skus) =>
      new Map(skus.filter((s) => products.has(s)).map((s) => [s, structuredClone(products.get(s)!)])),
    writeProducts: async (ps) => ps.forEach((p) => products.set(p.sku, structuredClone(p))),
    sendAdjustments: async (as) => void adjustments.push(...as),
    recordChunk: async (id, index, counts) => {
      const j = jobs.get(id)!;
      if (j.doneChunks.has(index)) return { duplicate: true, job: copy(j) };
      j.doneChunks.add(index);
      j.chunksDone++;
      for (const k of ['created', 'updated', 'unchanged', 'stockAdjustments'] as const) j[k] += counts[k];
      return { duplicate: false, job: copy(j) };
    },
    requestFinalize: async (id) => void finalizeRequests.push(id),
    now,
  });

  const finalizeDeps = {
    getJob: async (id: string) => (jobs.has(id) ? copy(jobs.get(id)!) : undefined),
    claimCompletion: async (id: string, at: string) => {
      const j = jobs.get(id)!;
      if (!readyToComplete(copy(j))) return false;
      claims++;
      Object.assign(j, { status: 'COMPLETED', completedAt: at });
      return true;
    },
    getManifest: async (id: string) => manifests.get(id)!,
    scanProducts: async function* () {
      yield [...products.values()].map((p) => structuredClone(p));
    },
    deactivateProduct: async (sku: string, jobId: string, at: string) => {
      const p = products.get(sku)!;
      if (!p.active) return false;
      Object.assign(p, {
        active: false,
        version: p.version + 1,
        updatedAt: at,
        importJobId: jobId,
        importOutcome: 'deactivated',
      });
      return true;
    },
    putReport: async (r: ImportReport) => (reports.set(r.jobId, r), `results/${r.jobId}.json`),
    publish: async (e: Envelope<unknown>) => void events.push(e),
    markAnnounced: async (id: string, deactivated: number, at: string) => {
      const j = jobs.get(id)!;
      if (j.announcedAt) return false;
      Object.assign(j, { announcedAt: at, deactivated });
      return true;
    },
    correlationId: () => 'corr-1',
    now,
  };
  const finalize = finalizeImport(finalizeDeps);

  /** Uploads a file and runs the whole pipeline, workers in the order given. */
  async function importFile(key: string, text: string, etag = `"${key}-${text.length}"`) {
    files.set(key, text);
    const result = await split({ bucket: 'bucket', key, etag });
    const todo = chunks.splice(0);
    for (const c of todo) await work(c);
    for (const id of finalizeRequests.splice(0)) await finalize(id);
    return { result, jobId: jobIdOf({ bucket: 'bucket', key, etag }), chunks: todo };
  }

  return {
    products,
    jobs,
    chunks,
    finalizeRequests,
    adjustments,
    reports,
    events,
    claims: () => claims,
    split,
    work,
    finalize,
    finalizeDeps,
    files,
    importFile,
  };
}

const csv = (...rows: string[]) => ['sku,name,kind,price_eur,stock', ...rows].join('\n');
const many = (n: number, price = 100) =>
  csv(...Array.from({ length: n }, (_, i) => `SKU-${i},Item ${i},physical,${price},`));

describe('an import, end to end on fakes', () => {
  it('fans out in chunks, fans in once, reports and announces the counts', async () => {
    const w = world();
    const { result, jobId } = await w.importFile('imports/delta/a.csv', many(1200) + '\nBAD-1,x,sofa,1,\n');
    expect(result).toEqual({ outcome: 'split', jobId, chunks: 3, rows: 1201, rejected: 1 });
    expect(w.products.size).toBe(1200);
    expect(w.claims()).toBe(1);
    const report = w.reports.get(jobId)!;
    expect(report.counts).toEqual({
      rows: 1201,
      created: 1200,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      deactivated: 0,
      stockAdjustments: 0,
    });
    expect(report.rejected).toEqual([{ line: 1202, sku: 'BAD-1', reason: expect.stringMatching(/^kind:/) }]);
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.metadata).toMatchObject({
      eventType: 'CatalogImported',
      version: 1,
      source: 'order-platform.catalog',
      idempotencyKey: jobId,
    });
  });

  it('detects completion exactly once when chunks are delivered twice, in any order, and finalisers race', async () => {
    const w = world();
    w.files.set('imports/x.csv', many(1600));
    const { jobId } = (await w.split({ bucket: 'bucket', key: 'imports/x.csv', etag: 'e1' })) as {
      jobId: string;
    };
    const chunks = w.chunks.splice(0);
    expect(chunks).toHaveLength(4);
    // Every chunk twice, interleaved and concurrent.
    await Promise.all([...chunks, ...chunks.slice().reverse()].map((c) => w.work(c)));
    const job = w.jobs.get(jobId)!;
    expect([job.chunksDone, job.created]).toEqual([4, 1600]);
    // Several workers asked; several finalisers run at once: one completes the job.
    const results = await Promise.all(w.finalizeRequests.splice(0).map((id) => w.finalize(id)));
    expect(w.claims()).toBe(1);
    expect(results.filter((r) => r.outcome === 'announced' && r.completedNow)).toHaveLength(1);
    expect(w.reports.get(jobId)!.counts.created).toBe(1600);
  });

  it('sends the last chunk only after the totals are recorded, so its worker completes the job', async () => {
    const w = world();
    w.files.set('imports/y.csv', many(1100));
    // Workers are as fast as can be: each chunk is processed the moment it is sent.
    const eager = startImportWithEagerWorkers(w);
    await eager({ bucket: 'bucket', key: 'imports/y.csv', etag: 'e2' });
    expect(w.finalizeRequests).toHaveLength(1);
    expect(w.jobs.get(w.finalizeRequests[0]!)).toMatchObject({ chunksDone: 3, chunksTotal: 3 });
  });

  it('completes a file whose every line is rejected (no chunk at all): the splitter asks', async () => {
    const w = world();
    const { result, jobId } = await w.importFile(
      'imports/bad-rows.csv',
      csv('x,y,z,1,', 'lower,A,physical,1,'),
    );
    expect(result).toMatchObject({ outcome: 'split', chunks: 0, rows: 2, rejected: 2 });
    expect(w.reports.get(jobId)).toMatchObject({ status: 'COMPLETED', counts: { rows: 2, rejected: 2 } });
  });

  it('does nothing for a completed file version again, and re-reads one whose job still runs', async () => {
    const w = world();
    const first = await w.importFile('imports/z.csv', many(700), 'etag-z');
    const again = await w.importFile('imports/z.csv', many(700), 'etag-z');
    expect(again.result).toEqual({ outcome: 'duplicate', jobId: first.jobId });
    expect(again.chunks).toEqual([]);
    expect(w.events).toHaveLength(1);

    // A job created but never finished (the splitter died after sending one chunk).
    const crashed = world();
    crashed.files.set('imports/c.csv', many(700));
    const source = { bucket: 'bucket', key: 'imports/c.csv', etag: 'etag-c' };
    await crashed.split(source);
    const sent = crashed.chunks.splice(0);
    await crashed.work(sent[0]!);
    // S3 (or Lambda's retry) delivers the event again while the job runs: read again.
    expect((await crashed.split(source)).outcome).toBe('split');
    for (const c of crashed.chunks.splice(0)) await crashed.work(c);
    for (const id of crashed.finalizeRequests.splice(0)) await crashed.finalize(id);
    expect(crashed.reports.get(jobIdOf(source))!.counts).toMatchObject({ created: 700, rows: 700 });
  });

  it('bumps the version only of changed products on a re-import of changed content', async () => {
    const w = world();
    await w.importFile('imports/p1.csv', csv('A-1,A,physical,100,', 'B-1,B,physical,200,'));
    const second = await w.importFile('imports/p2.csv', csv('A-1,A,physical,100,', 'B-1,B,physical,250,'));
    expect([w.products.get('A-1')!.version, w.products.get('B-1')!.version]).toEqual([1, 2]);
    expect(w.reports.get(second.jobId)!.counts).toMatchObject({ unchanged: 1, updated: 1, created: 0 });
  });

  it('deactivates what a full import does not name (a delta never does), counting the same on a retry', async () => {
    const w = world();
    await w.importFile(
      'imports/delta/all.csv',
      csv('A-1,A,physical,1,', 'B-1,B,physical,1,', 'C-1,C,physical,1,'),
    );
    const delta = await w.importFile('imports/delta/one.csv', csv('A-1,A,physical,2,'));
    expect(w.reports.get(delta.jobId)!.counts.deactivated).toBe(0);
    // C-1's row is broken, but the file names it: it stays active.
    const full = await w.importFile('imports/full/cat.csv', csv('A-1,A,physical,2,', 'C-1,C,sofa,1,'));
    expect([...w.products.values()].map((p) => [p.sku, p.active])).toEqual([
      ['A-1', true],
      ['B-1', false],
      ['C-1', true],
    ]);
    expect(w.reports.get(full.jobId)!.counts.deactivated).toBe(1);
    // The finaliser died before recording the announcement: the retry counts the same.
    delete w.jobs.get(full.jobId)!.announcedAt;
    const retry = await w.finalize(full.jobId);
    expect(retry).toMatchObject({ outcome: 'announced', completedNow: false });
    expect(w.reports.get(full.jobId)!.counts.deactivated).toBe(1);
    expect(w.claims()).toBe(3);
  });

  it('fails the job (report, no event) when the header is unusable', async () => {
    const w = world();
    const { result, jobId } = await w.importFile('imports/bad.csv', 'sku;name;kind\nA;b;c\n');
    expect(result).toMatchObject({ outcome: 'failed', jobId });
    expect(w.jobs.get(jobId)!.status).toBe('FAILED');
    expect(w.reports.get(jobId)).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/Bad header/),
    });
    expect(w.events).toEqual([]);
  });

  it('ignores keys outside imports/ and folder placeholders', async () => {
    const w = world();
    expect(await w.split({ bucket: 'b', key: 'results/x.json', etag: 'e' })).toMatchObject({
      outcome: 'ignored',
    });
    expect(await w.split({ bucket: 'b', key: 'imports/full/', etag: 'e' })).toMatchObject({
      outcome: 'ignored',
    });
  });

  it('sends one setTo adjustment per stock cell, with ids that do not change on a re-import of the same bytes', async () => {
    const w = world();
    const text = csv('MUG-1,Mug,physical,100,5', 'EBOOK-1,Book,digital,100,');
    await w.importFile('imports/s1.csv', text, 'same-etag');
    await w.importFile('imports/s2.csv', text, 'same-etag');
    expect(w.adjustments.map((a) => [a.sku, a.setTo])).toEqual([
      ['MUG-1', 5],
      ['MUG-1', 5],
    ]);
    expect(w.adjustments[0]!.adjustmentId).toBe(w.adjustments[1]!.adjustmentId);
  });
});

/** A splitter whose chunks are processed the moment they are sent. */
function startImportWithEagerWorkers(w: ReturnType<typeof world>) {
  return async (source: { bucket: string; key: string; etag: string }) => {
    const original = w.chunks.push.bind(w.chunks);
    const pending: Promise<unknown>[] = [];
    w.chunks.push = (...cs: Chunk[]) => {
      for (const c of cs) pending.push(w.work(c));
      return original();
    };
    await w.split(source);
    await Promise.all(pending);
    return w;
  };
}

describe('priceLines', () => {
  const catalog = new Map<string, StoredProduct>([
    [
      'MUG-1',
      {
        sku: 'MUG-1',
        name: 'Mug',
        kind: 'physical',
        prices: { EUR: 1250, USD: 1350 },
        active: true,
        version: 1,
        updatedAt: '',
      },
    ],
    [
      'OLD-1',
      {
        sku: 'OLD-1',
        name: 'Old',
        kind: 'physical',
        prices: { EUR: 1 },
        active: false,
        version: 2,
        updatedAt: '',
      },
    ],
    [
      'GIFT-1',
      {
        sku: 'GIFT-1',
        name: 'Gift',
        kind: 'giftcard',
        prices: { EUR: 5000 },
        active: true,
        version: 1,
        updatedAt: '',
      },
    ],
  ]);
  const price = priceLines(
    async (skus) => new Map(skus.filter((s) => catalog.has(s)).map((s) => [s, catalog.get(s)!])),
  );

  it('prices each SKU once, in the order asked', async () => {
    expect(await price('EUR', ['GIFT-1', 'MUG-1', 'GIFT-1'])).toEqual({
      currency: 'EUR',
      lines: [
        { sku: 'GIFT-1', name: 'Gift', kind: 'giftcard', unitPrice: 5000, active: true },
        { sku: 'MUG-1', name: 'Mug', kind: 'physical', unitPrice: 1250, active: true },
      ],
    });
  });

  it('names the unknown, inactive and unpriced SKUs in typed errors', async () => {
    const unknown = await price('EUR', ['MUG-1', 'NOPE-1', 'NOPE-2']).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownProductError);
    expect((unknown as UnknownProductError).message).toBe('Unknown products: NOPE-1, NOPE-2');
    await expect(price('EUR', ['OLD-1'])).rejects.toBeInstanceOf(ProductInactiveError);
    const unpriced = await price('USD', ['MUG-1', 'GIFT-1']).catch((e: unknown) => e);
    expect(unpriced).toBeInstanceOf(CurrencyNotOfferedError);
    expect((unpriced as Error).message).toBe('No USD price for: GIFT-1');
    expect((unpriced as Error).name).toBe('CurrencyNotOfferedError');
  });
});
