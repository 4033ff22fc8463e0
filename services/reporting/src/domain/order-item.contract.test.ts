/**
 * Consumer contract test: the order item the orders service writes (its own toItem over
 * its own newOrder) satisfies the schema the projector parses. Test-only import of the
 * producer: production code never imports it. If the producer changes the item shape,
 * this test names the break before a deploy does.
 */
import { describe, expect, it } from 'vitest';
import { toItem } from '../../../orders/src/adapters/orders-table';
import { newOrder } from '../../../orders/src/domain/order';
import { orderItemSchema, rowFromChange } from './order-item';

describe('order item contract (orders -> reporting)', () => {
  it('parses what the orders service writes', () => {
    // Prepare
    const order = newOrder(
      { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999, kind: 'physical' }] },
      {
        orderId: 'ord_01JD0000000000000000000000',
        customerId: 'c-contract',
        correlationId: 'corr',
        customerEmail: 'c-contract@example.com',
      },
      new Date('2026-11-22T10:00:00.000Z'),
    );
    const written = toItem(order);

    // Act
    const parsed = orderItemSchema.safeParse(written);
    const row = rowFromChange({
      eventName: 'INSERT',
      keys: { PK: written.PK, SK: written.SK },
      newImage: written,
    });

    // Assess
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(row).toMatchObject({
      orderId: order.orderId,
      total: 3998,
      units: 2,
      orderDate: '2026-11-22',
      version: 1,
    });
  });
});
