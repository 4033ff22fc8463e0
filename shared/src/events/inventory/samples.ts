/**
 * A stock adjustment as the warehouse integration sends it (a bare message on the FIFO
 * queue, no envelope), shared by the producer's and the consumer's tests.
 */
import type { StockAdjustmentV1 } from './stockAdjustment.v1';

export function sampleStockAdjustment(over: Partial<StockAdjustmentV1> = {}): StockAdjustmentV1 {
  return {
    adjustmentId: 'adj-0001',
    sku: 'SKU-1',
    delta: 25,
    reason: 'restock',
    occurredAt: '2026-11-22T09:00:00.000Z',
    ...over,
  };
}
