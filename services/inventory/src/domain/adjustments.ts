/**
 * Reading a stock adjustment message (P15). A body that is not JSON is poison, one that
 * is JSON but not a StockAdjustment v1 is permanent: neither can ever succeed, so the
 * consumer parks it at once instead of holding its SKU back for maxReceiveCount
 * deliveries.
 */
import { PermanentError, PoisonMessageError } from '@order-platform/shared/errors';
import {
  stockAdjustmentV1Schema,
  type StockAdjustmentV1,
} from '@order-platform/shared/events/inventory/stockAdjustment.v1';

export function parseAdjustment(body: string): StockAdjustmentV1 {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('Adjustment body is not JSON');
  }
  const parsed = stockAdjustmentV1Schema.safeParse(raw);
  if (!parsed.success) {
    throw new PermanentError(
      `Invalid adjustment: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
