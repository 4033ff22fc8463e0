/**
 * The catalog's operations, written against ports so they run the same against AWS,
 * moto or in-memory fakes:
 *
 * - startImport   (S3 -> splitter): stream the file, validate rows, fan chunks out;
 * - processChunk  (chunks queue -> worker): write a chunk's products, send its stock,
 *                 count it exactly once;
 * - finalizeImport (finalize queue -> finaliser): complete the job exactly once, sweep a
 *                 full import, write the report, publish CatalogImported;
 * - getProduct, listProducts (public API) and priceLines (internal API for orders).
 */
import { PermanentError } from '@order-platform/shared/errors';
import { envelope } from '@order-platform/shared/events/envelope';
import { catalogImportedV1 } from '@order-platform/shared/events/catalog/catalogImported.v1';
import { ChunkBuilder, planChunk, type Chunk } from './chunk';
import { forEachLimit } from './concurrency';
import { FileRejectedError, readCatalogCsv, type Rejection } from './csv';
import { CurrencyNotOfferedError, NotFoundError, ProductInactiveError, UnknownProductError } from './errors';
import {
  IMPORTS_PREFIX,
  buildReport,
  jobIdOf,
  modeOf,
  readyToComplete,
  reportKeyOf,
  zeroCounts,
  type ChunkCounts,
  type ImportJob,
  type ImportReport,
  type ImportSource,
} from './job';
import type {
  ClaimCompletion,
  CreateJob,
  DeactivateProduct,
  FailJob,
  FinishSplit,
  GetJob,
  GetManifest,
  GetProduct,
  LoadProducts,
  MarkAnnounced,
  OpenImportFile,
  PublishEvent,
  PutManifest,
  PutReport,
  RecordChunk,
  RequestFinalize,
  ScanProducts,
  SendAdjustments,
  SendChunk,
  WriteProducts,
} from './ports';
import { skuSchema, toView, type Currency, type Kind, type Product } from './product';

type Clock = () => Date;
const iso = (now: Clock) => now().toISOString();

// ------------------------------------------------------------------------------ splitter

export interface StartImportDeps {
  createJob: CreateJob;
  openFile: OpenImportFile;
  sendChunk: SendChunk;
  putManifest: PutManifest;
  finishSplit: FinishSplit;
  failJob: FailJob;
  putReport: PutReport;
  requestFinalize: RequestFinalize;
  now: Clock;
}

export type StartImportResult =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'duplicate'; jobId: string }
  | { outcome: 'failed'; jobId: string; error: string }
  | { outcome: 'split'; jobId: string; chunks: number; rows: number; rejected: number };

export function startImport(deps: StartImportDeps) {
  return async (source: ImportSource): Promise<StartImportResult> => {
    if (!source.key.startsWith(IMPORTS_PREFIX) || source.key.endsWith('/'))
      return { outcome: 'ignored', reason: `not an import file: ${source.key}` };
    const jobId = jobIdOf(source);
    const mode = modeOf(source.key);
    const startedAt = iso(deps.now);
    const created = await deps.createJob({ jobId, source, mode, startedAt });
    // Completed (or failed) before: the same file version again is a no-op. A job still
    // RUNNING is read again: an earlier attempt may have died before sending its last
    // chunk (chunks are deterministic and each is counted once, so re-sending is safe).
    if (!created.created && created.job.status !== 'RUNNING') return { outcome: 'duplicate', jobId };

    const builder = new ChunkBuilder(jobId, source.etag);
    const rejected: Rejection[] = [];
    const skus = new Set<string>();
    let rows = 0;
    // Each chunk is sent once the next one exists, so the file's last chunk leaves only
    // after the totals are recorded: its worker always finds them.
    let held: Chunk | undefined;
    const hold = async (chunk: Chunk | undefined) => {
      if (!chunk) return;
      if (held) await deps.sendChunk(held);
      held = chunk;
    };
    try {
      for await (const record of readCatalogCsv(await deps.openFile(source))) {
        rows++;
        if (record.ok) {
          skus.add(record.row.sku);
          await hold(builder.add(record.row));
        } else {
          rejected.push(record.rejection);
          // A full import never deactivates a product its file names, even on a bad line.
          const sku = record.rejection.sku;
          if (sku && skuSchema.safeParse(sku).success) skus.add(sku);
        }
      }
    } catch (error) {
      if (!(error instanceof FileRejectedError)) throw error;
      const now = iso(deps.now);
      await deps.failJob(jobId, error.message, now);
      const job: ImportJob = {
        jobId,
        source,
        mode,
        status: 'FAILED',
        startedAt,
        chunksDone: 0,
        ...zeroCounts(),
        error: error.message,
      };
      await deps.putReport(buildReport(job, { rejected: [] }, 0));
      return { outcome: 'failed', jobId, error: error.message };
    }
    await hold(builder.flush());
    await deps.putManifest(jobId, { rejected, ...(mode === 'full' ? { skus: [...skus] } : {}) });
    const job = await deps.finishSplit(
      jobId,
      { chunksTotal: builder.count, rows, rejected: rejected.length },
      iso(deps.now),
    );
    if (held) await deps.sendChunk(held);
    // No chunk at all (every line rejected), or a re-read of a file whose chunks were all
    // counted already: nobody else will ask.
    if (readyToComplete(job)) await deps.requestFinalize(jobId);
    return { outcome: 'split', jobId, chunks: builder.count, rows, rejected: rejected.length };
  };
}

// ------------------------------------------------------------------------------ worker

export interface ProcessChunkDeps {
  loadProducts: LoadProducts;
  writeProducts: WriteProducts;
  sendAdjustments: SendAdjustments;
  recordChunk: RecordChunk;
  requestFinalize: RequestFinalize;
  now: Clock;
}

export interface ProcessChunkResult {
  duplicate: boolean;
  counts: ChunkCounts;
  written: number;
}

export function processChunk(deps: ProcessChunkDeps) {
  return async (chunk: Chunk): Promise<ProcessChunkResult> => {
    const now = iso(deps.now);
    const stored = await deps.loadProducts(chunk.rows.map((r) => r.sku));
    const plan = planChunk(chunk, stored, now);
    await deps.writeProducts(plan.writes);
    // Before the chunk is counted: a worker that dies here sends them again on the retry,
    // and inventory drops the repeats (FIFO deduplication, then its adjustment markers).
    await deps.sendAdjustments(plan.adjustments);
    const { duplicate, job } = await deps.recordChunk(chunk.jobId, chunk.index, plan.counts, now);
    if (readyToComplete(job)) await deps.requestFinalize(chunk.jobId);
    return { duplicate, counts: plan.counts, written: plan.writes.length };
  };
}

// ------------------------------------------------------------------------------ finaliser

export class UnknownJobError extends PermanentError {
  override name = 'UnknownJobError';
}

export interface FinalizeDeps {
  getJob: GetJob;
  claimCompletion: ClaimCompletion;
  getManifest: GetManifest;
  scanProducts: ScanProducts;
  deactivateProduct: DeactivateProduct;
  putReport: PutReport;
  publish: PublishEvent;
  markAnnounced: MarkAnnounced;
  correlationId: () => string;
  now: Clock;
}

export type FinalizeResult =
  | { outcome: 'not-ready' | 'already-announced'; jobId: string }
  | { outcome: 'announced'; jobId: string; completedNow: boolean; report: ImportReport };

/** Parallel deactivations during a full-import sweep. */
const SWEEP_CONCURRENCY = 8;

export function finalizeImport(deps: FinalizeDeps) {
  /** Deactivates the active products the file does not name; counts this job's deactivations. */
  const sweep = async (keep: ReadonlySet<string>, jobId: string, now: string) => {
    let deactivated = 0;
    for await (const page of deps.scanProducts()) {
      const missing: Product[] = [];
      for (const p of page) {
        // Already done by an earlier attempt of this finaliser: counted, not written again.
        if (p.importJobId === jobId && p.importOutcome === 'deactivated') deactivated++;
        else if (p.active && !keep.has(p.sku)) missing.push(p);
      }
      await forEachLimit(missing, SWEEP_CONCURRENCY, async (p) => {
        if (await deps.deactivateProduct(p.sku, jobId, now)) deactivated++;
      });
    }
    return deactivated;
  };

  return async (jobId: string): Promise<FinalizeResult> => {
    let job = await deps.getJob(jobId);
    if (!job) throw new UnknownJobError(`No import job ${jobId}`);
    if (job.announcedAt) return { outcome: 'already-announced', jobId };
    let completedNow = false;
    if (job.status === 'RUNNING') {
      if (!readyToComplete(job)) return { outcome: 'not-ready', jobId };
      // Exactly once: only one conditional write can move RUNNING -> COMPLETED.
      completedNow = await deps.claimCompletion(jobId, iso(deps.now));
      job = (await deps.getJob(jobId))!;
    }
    if (job.status !== 'COMPLETED') return { outcome: 'not-ready', jobId };

    const manifest = await deps.getManifest(jobId);
    const deactivated =
      job.mode === 'full' ? await sweep(new Set(manifest.skus ?? []), jobId, iso(deps.now)) : 0;
    const report = buildReport(job, manifest, deactivated);
    const reportKey = await deps.putReport(report);
    await deps.publish(
      envelope(
        catalogImportedV1,
        {
          jobId,
          bucket: job.source.bucket,
          key: job.source.key,
          mode: job.mode,
          counts: report.counts,
          chunks: report.chunks,
          reportKey,
          startedAt: job.startedAt,
          completedAt: job.completedAt!,
        },
        { correlationId: deps.correlationId(), idempotencyKey: jobId, eventId: `catalog-import-${jobId}` },
      ),
    );
    await deps.markAnnounced(jobId, deactivated, iso(deps.now));
    return { outcome: 'announced', jobId, completedNow, report };
  };
}

export { reportKeyOf };

// ------------------------------------------------------------------------------ read side

export function getProduct(get: GetProduct) {
  return async (sku: string): Promise<Product> => {
    const product = await get(sku);
    if (!product) throw new NotFoundError(`No product ${sku}`);
    return toView(product);
  };
}

export interface PricedLine {
  sku: string;
  name: string;
  kind: Kind;
  /** Minor units in the requested currency. */
  unitPrice: number;
  active: boolean;
}

export interface PriceLinesResult {
  currency: Currency;
  lines: PricedLine[];
}

/**
 * Prices SKUs for an order, in one currency: every SKU known, sold and priced in that
 * currency, or a typed error naming the SKUs that are not (unknown first, then inactive,
 * then not offered). Lines come back in the order asked, each SKU once.
 */
export function priceLines(load: LoadProducts) {
  return async (currency: Currency, skus: readonly string[]): Promise<PriceLinesResult> => {
    const unique = [...new Set(skus)];
    const found = await load(unique);
    const unknown = unique.filter((s) => !found.has(s));
    if (unknown.length) throw new UnknownProductError(unknown);
    const inactive = unique.filter((s) => !found.get(s)!.active);
    if (inactive.length) throw new ProductInactiveError(inactive);
    const unpriced = unique.filter((s) => found.get(s)!.prices[currency] === undefined);
    if (unpriced.length) throw new CurrencyNotOfferedError(currency, unpriced);
    return {
      currency,
      lines: unique.map((sku) => {
        const p = found.get(sku)!;
        return { sku, name: p.name, kind: p.kind, unitPrice: p.prices[currency]!, active: p.active };
      }),
    };
  };
}
