/**
 * releaseStock (P09 internal API, saga compensation "release"). Idempotent: a repeat
 * returns the first result; releasing an order that was never reserved records the
 * release so that a late reserve for it does nothing.
 *
 * in:  { orderId, reason? }
 * out: { orderId, status: 'RELEASED', lines (returned to stock), releasedAt }
 * errors (errorType): ValidationError (permanent); InventoryBusyError (transient).
 */
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import {
  buildCommitRelease,
  buildLoadReservation,
  buildWriteReleaseTombstone,
} from '../adapters/stock-table';
import { releaseInputSchema, type ReleaseResult } from '../domain/stock';
import { releaseStock } from '../domain/use-cases';
import { jitteredPause, stockTable } from './deps';

export function makeHandler(release: ReturnType<typeof releaseStock>) {
  return async (event: unknown): Promise<ReleaseResult> => {
    const input = validate(releaseInputSchema, event, 'releaseStock input');
    const result = await release(input.orderId);
    logger.info('Release', { orderId: result.orderId, lines: result.lines.length, reason: input.reason });
    return result;
  };
}

const { doc, table } = stockTable();

export const handler = withObservability(
  makeHandler(
    releaseStock({
      loadReservation: buildLoadReservation(doc, table),
      commitRelease: buildCommitRelease(doc, table),
      writeReleaseTombstone: buildWriteReleaseTombstone(doc, table),
      now: () => new Date(),
      pause: jitteredPause,
    }),
  ),
);
