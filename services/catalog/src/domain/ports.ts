/**
 * Ports of the catalog service: each is one operation of a table, a queue, the bucket or
 * the bus. The adapters (src/adapters/) implement them; the use cases decide what an
 * outcome means.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import type { Chunk } from './chunk';
import type { ChunkCounts, ImportJob, ImportReport, ImportSource, Manifest } from './job';
import type { Kind, Product, StoredProduct } from './product';

// ---- products table

export type LoadProducts = (skus: readonly string[]) => Promise<Map<string, StoredProduct>>;
/** Writes whole items (BatchWriteItem in 25s, unprocessed items retried). */
export type WriteProducts = (products: readonly StoredProduct[]) => Promise<void>;
export type GetProduct = (sku: string) => Promise<StoredProduct | undefined>;
export interface ProductPage {
  items: Product[];
  nextCursor?: string;
}
/** Active products, by SKU, optionally of one kind; the cursor is opaque to callers. */
export type ListProducts = (opts: { kind?: Kind; limit: number; cursor?: string }) => Promise<ProductPage>;
/** Every product, a page at a time (the full-import sweep). */
export type ScanProducts = () => AsyncIterable<StoredProduct[]>;
/** Deactivates one product for this job, only if it is still active and not this job's already. */
export type DeactivateProduct = (sku: string, jobId: string, now: string) => Promise<boolean>;

// ---- jobs table

export type NewJob = Pick<ImportJob, 'jobId' | 'source' | 'mode' | 'startedAt'>;
/** Creates the job if absent; otherwise returns the existing one. */
export type CreateJob = (job: NewJob) => Promise<{ created: true } | { created: false; job: ImportJob }>;
export type GetJob = (jobId: string) => Promise<ImportJob | undefined>;
/** Records the file's totals once it is read to the end; returns the job after the write. */
export type FinishSplit = (
  jobId: string,
  totals: { chunksTotal: number; rows: number; rejected: number },
  now: string,
) => Promise<ImportJob>;
export type FailJob = (jobId: string, error: string, now: string) => Promise<void>;
/**
 * Counts one chunk exactly once: the chunk's marker and the counters in one conditional
 * write. `duplicate` when the chunk was counted before (nothing changed).
 */
export type RecordChunk = (
  jobId: string,
  index: number,
  counts: ChunkCounts,
  now: string,
) => Promise<{ duplicate: boolean; job: ImportJob }>;
/** The one conditional write that completes a job; false when it was not (or no longer) ready. */
export type ClaimCompletion = (jobId: string, now: string) => Promise<boolean>;
/** Records the announcement once; false if it was recorded before. */
export type MarkAnnounced = (jobId: string, deactivated: number, now: string) => Promise<boolean>;

// ---- queues, bucket, bus

export type SendChunk = (chunk: Chunk) => Promise<void>;
/** Asks the finaliser to look at a job (deduplicated per job; safe to ask twice). */
export type RequestFinalize = (jobId: string) => Promise<void>;
export type SendAdjustments = (adjustments: readonly StockAdjustmentV1[]) => Promise<void>;
/** The object's bytes, streamed; only this version of it (If-Match on the ETag). */
export type OpenImportFile = (source: ImportSource) => Promise<AsyncIterable<Uint8Array>>;
export type PutManifest = (jobId: string, manifest: Manifest) => Promise<void>;
export type GetManifest = (jobId: string) => Promise<Manifest>;
export type PutReport = (report: ImportReport) => Promise<string>;
export type PublishEvent = (event: Envelope<unknown>) => Promise<void>;
