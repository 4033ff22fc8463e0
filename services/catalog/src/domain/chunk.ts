/**
 * Fan-out units (P18): the splitter cuts the file's valid rows into chunks, one SQS
 * message each; a worker turns one chunk into product writes and stock adjustments.
 * Pure: no AWS SDK here.
 */
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import type { ImportRow } from './csv';
import { adjustmentIdOf, zeroCounts, type ChunkCounts } from './job';
import { sameContent, type StoredProduct } from './product';

/** Rows per chunk: 20 BatchWriteItem calls of 25, a few seconds of work for one worker. */
export const MAX_CHUNK_ROWS = 500;
/** Kept well under SQS's 256 KB message limit. */
export const MAX_CHUNK_BYTES = 200_000;

export interface Chunk {
  jobId: string;
  /** 0-based, in file order: the per-chunk marker of the job. */
  index: number;
  /** The file version's ETag: stock adjustment ids derive from it. */
  etag: string;
  rows: ImportRow[];
}

/** Groups rows into chunks of at most MAX_CHUNK_ROWS rows and about MAX_CHUNK_BYTES bytes. */
export class ChunkBuilder {
  private rows: ImportRow[] = [];
  private bytes = 0;
  private next = 0;

  constructor(
    private readonly jobId: string,
    private readonly etag: string,
    private readonly limits = { rows: MAX_CHUNK_ROWS, bytes: MAX_CHUNK_BYTES },
  ) {}

  /** Adds a row; returns a full chunk when this row completed one. */
  add(row: ImportRow): Chunk | undefined {
    const size = JSON.stringify(row).length + 1;
    const full = this.rows.length > 0 && this.bytes + size > this.limits.bytes ? this.flush() : undefined;
    this.rows.push(row);
    this.bytes += size;
    if (full) return full;
    return this.rows.length >= this.limits.rows ? this.flush() : undefined;
  }

  /** The last, partial chunk (undefined when nothing is pending). */
  flush(): Chunk | undefined {
    if (this.rows.length === 0) return undefined;
    const chunk = { jobId: this.jobId, index: this.next++, etag: this.etag, rows: this.rows };
    this.rows = [];
    this.bytes = 0;
    return chunk;
  }

  /** Chunks handed out so far. */
  get count(): number {
    return this.next;
  }
}

export interface ChunkPlan {
  /** Products to write (created or changed), version already bumped. */
  writes: StoredProduct[];
  adjustments: StockAdjustmentV1[];
  counts: ChunkCounts;
}

/**
 * Decides, for each row of a chunk, what the import does, given the products as stored:
 *
 * - stored with this job's stamp: an earlier attempt of this chunk already wrote it
 *   (the worker died mid-chunk, or the chunk was delivered twice): count what that
 *   attempt did, write nothing;
 * - absent: created, version 1;
 * - same name, kind, prices and active: unchanged, not written (the version stays);
 * - otherwise: updated, version + 1 (a deactivated product named again comes back).
 *
 * So the counts of a chunk are the same however many times it runs.
 */
export function planChunk(chunk: Chunk, stored: ReadonlyMap<string, StoredProduct>, now: string): ChunkPlan {
  const counts = zeroCounts();
  const writes: StoredProduct[] = [];
  const adjustments: StockAdjustmentV1[] = [];
  for (const row of chunk.rows) {
    const current = stored.get(row.sku);
    if (current?.importJobId === chunk.jobId && current.importOutcome !== 'deactivated') {
      counts[current.importOutcome ?? 'updated']++;
    } else if (!current) {
      counts.created++;
      writes.push({
        ...product(row),
        active: true,
        version: 1,
        updatedAt: now,
        importJobId: chunk.jobId,
        importOutcome: 'created',
      });
    } else if (sameContent(current, row)) {
      counts.unchanged++;
    } else {
      counts.updated++;
      writes.push({
        ...product(row),
        active: true,
        version: current.version + 1,
        updatedAt: now,
        importJobId: chunk.jobId,
        importOutcome: 'updated',
      });
    }
    if (row.stock !== undefined) {
      counts.stockAdjustments++;
      adjustments.push({
        adjustmentId: adjustmentIdOf(chunk.etag, row.sku, row.stock),
        sku: row.sku,
        setTo: row.stock,
        reason: `catalog import ${chunk.jobId}`,
        occurredAt: now,
      });
    }
  }
  return { writes, adjustments, counts };
}

const product = (row: ImportRow) => ({ sku: row.sku, name: row.name, kind: row.kind, prices: row.prices });
