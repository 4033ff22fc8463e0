/**
 * The inventory operations behind the internal API and the FIFO consumer, written
 * against ports so they run the same against DynamoDB, moto or an in-memory fake.
 */
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import {
  AdjustmentRejectedError,
  InventoryBusyError,
  OutOfStockError,
  ReservationConflictError,
} from './errors';
import type {
  ApplyAdjustment,
  CommitRelease,
  GetStockLevels,
  LoadReservation,
  TryReserve,
  WriteReleaseTombstone,
} from './ports';
import {
  mergeLines,
  sameLines,
  toReleaseResult,
  toReserveResult,
  type GetStockResult,
  type ReleaseResult,
  type ReserveResult,
  type StockLine,
} from './stock';

/** Transaction conflicts are retried this many times before InventoryBusyError. */
export const MAX_ATTEMPTS = 4;

export interface ReserveDeps {
  tryReserve: TryReserve;
  loadReservation: LoadReservation;
  now: () => Date;
  /** Pause between conflict retries (jittered in production, instant in tests). */
  pause?: (attempt: number) => Promise<void>;
}

export function reserveStock(deps: ReserveDeps) {
  return async (orderId: string, requested: readonly StockLine[]): Promise<ReserveResult> => {
    const lines = mergeLines(requested);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await deps.tryReserve(orderId, lines, deps.now().toISOString());
      switch (outcome.kind) {
        case 'reserved':
          return toReserveResult(outcome.reservation);
        case 'insufficient':
          throw new OutOfStockError(outcome.shortages);
        case 'exists': {
          const existing = await deps.loadReservation(orderId);
          if (!existing) break; // deleted in between (never in practice): try again
          if (existing.status === 'RESERVED' && !sameLines(existing.lines, lines)) {
            throw new ReservationConflictError(`Order ${orderId} is already reserved with different lines`);
          }
          return toReserveResult(existing);
        }
        case 'conflict':
          break;
      }
      await deps.pause?.(attempt);
    }
    throw new InventoryBusyError(`Could not reserve stock for ${orderId}: concurrent updates, try again`);
  };
}

export interface ReleaseDeps {
  loadReservation: LoadReservation;
  commitRelease: CommitRelease;
  writeReleaseTombstone: WriteReleaseTombstone;
  now: () => Date;
  pause?: (attempt: number) => Promise<void>;
}

export function releaseStock(deps: ReleaseDeps) {
  return async (orderId: string): Promise<ReleaseResult> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = deps.now().toISOString();
      const existing = await deps.loadReservation(orderId);
      if (!existing) {
        // Nothing reserved yet: remember the release, so a reserve that arrives late
        // (a retried or slow saga step) does not take stock for a finished order.
        if ((await deps.writeReleaseTombstone(orderId, now)) === 'written') {
          return { orderId, status: 'RELEASED', lines: [], releasedAt: now };
        }
        continue;
      }
      if (existing.status === 'RELEASED') return toReleaseResult(existing);
      const outcome = await deps.commitRelease(existing, now);
      if (outcome === 'released')
        return toReleaseResult({ ...existing, status: 'RELEASED', releasedAt: now });
      if (outcome === 'conflict') await deps.pause?.(attempt);
      // 'changed': released by a concurrent call; the next read returns its result.
    }
    throw new InventoryBusyError(`Could not release stock for ${orderId}: concurrent updates, try again`);
  };
}

export function getStock(getLevels: GetStockLevels) {
  return async (skus: readonly string[]): Promise<GetStockResult> => {
    const unique = [...new Set(skus)];
    const levels = await getLevels(unique);
    const bySku = new Map(levels.map((l) => [l.sku, l]));
    return {
      items: unique.map(
        (sku) => bySku.get(sku) ?? { sku, available: 0, reserved: 0, version: 0, known: false },
      ),
    };
  };
}

export function applyStockAdjustment(apply: ApplyAdjustment, now: () => Date) {
  return async (adjustment: StockAdjustmentV1): Promise<'applied' | 'duplicate'> => {
    const outcome = await apply(adjustment, now().toISOString());
    if (outcome === 'would-go-negative') {
      // Retryable on purpose: it holds back this SKU's later adjustments (FIFO group)
      // until stock comes back or the message reaches the DLQ after maxReceiveCount.
      throw new AdjustmentRejectedError(
        `Adjustment ${adjustment.adjustmentId} would take ${adjustment.sku} below 0`,
      );
    }
    return outcome;
  };
}
