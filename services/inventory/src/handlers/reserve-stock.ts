/**
 * reserveStock (P09 internal API, saga step "reserve"): JSON in, JSON out, invoked with
 * Lambda Invoke (RequestResponse) or as a Step Functions Task.
 *
 * in:  { orderId, lines: [{ sku, quantity }] }
 * out: { orderId, status: 'RESERVED' | 'ALREADY_RELEASED', lines, reservedAt?, releasedAt? }
 * errors (errorType): OutOfStockError, ReservationConflictError, ValidationError
 *   (permanent); InventoryBusyError (transient).
 */
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { buildLoadReservation, buildTryReserve } from '../adapters/stock-table';
import { reserveInputSchema, type ReserveResult } from '../domain/stock';
import { reserveStock } from '../domain/use-cases';
import { jitteredPause, stockTable } from './deps';

export function makeHandler(reserve: ReturnType<typeof reserveStock>) {
  return async (event: unknown): Promise<ReserveResult> => {
    const input = validate(reserveInputSchema, event, 'reserveStock input');
    const result = await reserve(input.orderId, input.lines);
    logger.info('Reserve', { orderId: result.orderId, status: result.status, lines: result.lines.length });
    return result;
  };
}

const { doc, table } = stockTable();

export const handler = withObservability(
  makeHandler(
    reserveStock({
      tryReserve: buildTryReserve(doc, table),
      loadReservation: buildLoadReservation(doc, table),
      now: () => new Date(),
      pause: jitteredPause,
    }),
  ),
);
