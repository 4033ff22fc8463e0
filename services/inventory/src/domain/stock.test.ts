import { describe, expect, it } from 'vitest';
import { stockAdjustmentV1Schema } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import { mergeLines, reserveInputSchema, sameLines } from './stock';

describe('mergeLines', () => {
  it('sums repeated SKUs and sorts by SKU', () => {
    expect(
      mergeLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);
  });

  it('compares requests independently of line order', () => {
    expect(
      sameLines(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
        [
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 1 },
        ],
      ),
    ).toBe(true);
    expect(sameLines([{ sku: 'A', quantity: 1 }], [{ sku: 'A', quantity: 2 }])).toBe(false);
  });
});

describe('contracts', () => {
  it('accepts a saga reserve input and rejects a bad one', () => {
    const orderId = 'ord_01JD0000000000000000000000';
    expect(
      reserveInputSchema.safeParse({
        orderId,
        lines: [{ sku: 'TSHIRT-M', quantity: 2 }],
        correlationId: 'c1',
      }).success,
    ).toBe(true);
    expect(reserveInputSchema.safeParse({ orderId, lines: [] }).success).toBe(false);
    expect(reserveInputSchema.safeParse({ orderId, lines: [{ sku: 'tshirt', quantity: 0 }] }).success).toBe(
      false,
    );
  });

  it('requires exactly one of delta or setTo in an adjustment', () => {
    const base = {
      adjustmentId: 'adj-1',
      sku: 'MUG-1',
      reason: 'restock',
      occurredAt: '2026-11-22T09:00:00.000Z',
    };
    expect(stockAdjustmentV1Schema.safeParse({ ...base, delta: 5 }).success).toBe(true);
    expect(stockAdjustmentV1Schema.safeParse({ ...base, setTo: 0 }).success).toBe(true);
    expect(stockAdjustmentV1Schema.safeParse({ ...base }).success).toBe(false);
    expect(stockAdjustmentV1Schema.safeParse({ ...base, delta: 1, setTo: 1 }).success).toBe(false);
    expect(stockAdjustmentV1Schema.safeParse({ ...base, delta: 0 }).success).toBe(false);
    expect(stockAdjustmentV1Schema.safeParse({ ...base, delta: 1, adjustmentId: 'has space' }).success).toBe(
      false,
    );
  });
});
