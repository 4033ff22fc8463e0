/**
 * Import jobs: one per file version (bucket, key, ETag), split into chunks that workers
 * process in parallel, gathered by job id (P18). Pure: no AWS SDK here.
 *
 * Where things live in the catalog bucket:
 *
 * | prefix          | what                                                         | triggers |
 * |-----------------|--------------------------------------------------------------|----------|
 * | imports/full/   | a full catalog: products missing from it are deactivated    | yes      |
 * | imports/...     | any other key under imports/: a delta, nothing is deactivated | yes      |
 * | results/        | one JSON report per job: results/<jobId>.json                | never    |
 * | work/           | the job's manifest (rejected lines, the file's SKUs)         | never    |
 */
import { createHash } from 'node:crypto';
import type { Rejection } from './csv';

export const IMPORTS_PREFIX = 'imports/';
export const FULL_IMPORTS_PREFIX = 'imports/full/';
export const RESULTS_PREFIX = 'results/';
export const WORK_PREFIX = 'work/';

export type ImportMode = 'full' | 'delta';

export const modeOf = (key: string): ImportMode => (key.startsWith(FULL_IMPORTS_PREFIX) ? 'full' : 'delta');

/** The S3 object an import reads: a new ETag (new content) is a new job, the same one is not. */
export interface ImportSource {
  bucket: string;
  key: string;
  etag: string;
}

const unquote = (etag: string) => etag.replace(/^"|"$/g, '');

/**
 * The job id: the same file version always maps to the same job, so a redelivered S3
 * event, a retried splitter or the same bytes uploaded again to the same key do nothing new.
 */
export function jobIdOf(source: ImportSource): string {
  return createHash('sha256')
    .update(`${source.bucket}\n${source.key}\n${unquote(source.etag)}`)
    .digest('hex')
    .slice(0, 32);
}

export const reportKeyOf = (jobId: string) => `${RESULTS_PREFIX}${jobId}.json`;
export const manifestKeyOf = (jobId: string) => `${WORK_PREFIX}${jobId}/manifest.json`;

/**
 * The stock adjustment id of a row: derived from the file's content (ETag), the SKU and
 * the count, so importing the same content again (under any key) is a no-op in inventory.
 */
export function adjustmentIdOf(etag: string, sku: string, stock: number): string {
  const digest = createHash('sha256')
    .update(`${unquote(etag)}\n${sku}\n${stock}`)
    .digest('hex');
  return `catalog-${digest.slice(0, 40)}`;
}

export type JobStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ChunkCounts {
  created: number;
  updated: number;
  unchanged: number;
  stockAdjustments: number;
}

export const zeroCounts = (): ChunkCounts => ({ created: 0, updated: 0, unchanged: 0, stockAdjustments: 0 });

export interface ImportJob extends ChunkCounts {
  jobId: string;
  source: ImportSource;
  mode: ImportMode;
  status: JobStatus;
  startedAt: string;
  /** Set once the splitter has read the whole file. */
  chunksTotal?: number;
  chunksDone: number;
  /** Data records in the file (valid + rejected), set with chunksTotal. */
  rows?: number;
  rejected?: number;
  /** Set by the one conditional write that completes the job. */
  completedAt?: string;
  deactivated?: number;
  /** Set once the report is written and CatalogImported is on the bus. */
  announcedAt?: string;
  error?: string;
}

/** All chunks are counted and the file was read to the end: the job can be completed. */
export function readyToComplete(job: ImportJob): boolean {
  return job.status === 'RUNNING' && job.chunksTotal !== undefined && job.chunksDone === job.chunksTotal;
}

/** What the splitter leaves for the finaliser (in work/, never in the job item: it can be big). */
export interface Manifest {
  rejected: Rejection[];
  /** Every SKU the file names (valid or not): a full import deactivates the others. */
  skus?: string[];
}

export interface ImportReport {
  jobId: string;
  source: ImportSource;
  mode: ImportMode;
  status: JobStatus;
  counts: ChunkCounts & { rows: number; rejected: number; deactivated: number };
  chunks: number;
  startedAt: string;
  completedAt?: string;
  durationMs?: number;
  error?: string;
  /** Every rejected line, in file order: line number (header = 1), SKU when readable, reason. */
  rejected: Rejection[];
}

export function buildReport(job: ImportJob, manifest: Manifest, deactivated: number): ImportReport {
  return {
    jobId: job.jobId,
    source: job.source,
    mode: job.mode,
    status: job.status,
    counts: {
      rows: job.rows ?? 0,
      created: job.created,
      updated: job.updated,
      unchanged: job.unchanged,
      rejected: job.rejected ?? manifest.rejected.length,
      deactivated,
      stockAdjustments: job.stockAdjustments,
    },
    chunks: job.chunksTotal ?? 0,
    startedAt: job.startedAt,
    ...(job.completedAt
      ? {
          completedAt: job.completedAt,
          durationMs: Date.parse(job.completedAt) - Date.parse(job.startedAt),
        }
      : {}),
    ...(job.error ? { error: job.error } : {}),
    rejected: manifest.rejected,
  };
}
