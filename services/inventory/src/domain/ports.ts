/**
 * Ports of the inventory service: each is one atomic operation of the stock table. The
 * adapters implement them with conditional writes and transactions; the use cases
 * decide what an outcome means.
 */
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import type { Shortage } from './errors';
import type { Reservation, StockLevel, StockLine } from './stock';

export type TryReserveOutcome =
  | { kind: 'reserved'; reservation: Reservation }
  /** A reservation item for this order already exists (reserved or released). */
  | { kind: 'exists' }
  | { kind: 'insufficient'; shortages: Shortage[] }
  /** Another transaction touched the same items at the same moment. */
  | { kind: 'conflict' };

/** All lines or none: take `quantity` from `available` into `reserved` for each line, and record the reservation. */
export type TryReserve = (orderId: string, lines: StockLine[], now: string) => Promise<TryReserveOutcome>;

export type LoadReservation = (orderId: string) => Promise<Reservation | undefined>;

/** Moves a RESERVED reservation to RELEASED and its lines back to `available`; false if it is no longer RESERVED. */
export type CommitRelease = (
  reservation: Reservation,
  now: string,
) => Promise<'released' | 'changed' | 'conflict'>;

/** Records a RELEASED reservation with no lines for an order never reserved (so a late reserve does nothing). */
export type WriteReleaseTombstone = (orderId: string, now: string) => Promise<'written' | 'exists'>;

export type GetStockLevels = (skus: string[]) => Promise<StockLevel[]>;

/** Applies one adjustment exactly once (by adjustmentId) with the stock never below 0. */
export type ApplyAdjustment = (
  adjustment: StockAdjustmentV1,
  now: string,
) => Promise<'applied' | 'duplicate' | 'would-go-negative'>;

export type SetStock = (sku: string, available: number, now: string) => Promise<void>;
