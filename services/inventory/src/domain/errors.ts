/**
 * The inventory service's typed errors. A Lambda handler that throws one of these is
 * reported by the Node.js runtime with `errorType` = the class name, which is what a
 * Step Functions `Retry`/`Catch` (`ErrorEquals`) and the client adapter match on.
 *
 * | errorType                | kind      | meaning                                                    |
 * |--------------------------|-----------|------------------------------------------------------------|
 * | OutOfStockError          | permanent | some line cannot be covered; nothing was reserved          |
 * | ReservationConflictError | permanent | the order was already reserved with different lines        |
 * | ValidationError          | permanent | the input does not match the contract                      |
 * | InventoryBusyError       | transient | write contention outlasted the internal retries; retry     |
 * | AdjustmentRejectedError  | transient | an adjustment would take stock below 0 (FIFO consumer only)|
 */
import { ValidationError } from '@order-platform/shared/errors';

export { ValidationError };

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

export class OutOfStockError extends Error {
  override name = 'OutOfStockError';
  constructor(readonly shortages: Shortage[]) {
    super(
      `Insufficient stock for ${shortages.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`).join(', ')}`,
    );
  }
}

export class ReservationConflictError extends Error {
  override name = 'ReservationConflictError';
}

export class InventoryBusyError extends Error {
  override name = 'InventoryBusyError';
}

export class AdjustmentRejectedError extends Error {
  override name = 'AdjustmentRejectedError';
}

/** The errorType values a caller can receive from reserveStock / releaseStock / getStock. */
export const INTERNAL_API_ERROR_TYPES = [
  'OutOfStockError',
  'ReservationConflictError',
  'ValidationError',
  'InventoryBusyError',
] as const;
