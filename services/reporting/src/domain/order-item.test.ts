import { describe, expect, it } from 'vitest';
import { PermanentError } from '@order-platform/shared/errors';
import { latestPerOrder, rowFromChange, type OrderRow } from './order-item';

const item = (over: Record<string, unknown> = {}) => ({
  PK: 'ORDER#ord_1',
  SK: 'ORDER',
  entity: 'Order',
  GSI1PK: 'CUSTOMER#c-1',
  GSI1SK: '2026-11-20T10:00:00.000Z#ord_1',
  orderId: 'ord_1',
  customerId: 'c-1',
  status: 'PLACED',
  lines: [
    { sku: 'SKU-A', quantity: 2, unitPrice: 500, kind: 'physical' },
    { sku: 'SKU-B', quantity: 1, unitPrice: 250, kind: 'digital' },
  ],
  total: 1250,
  currency: 'EUR',
  createdAt: '2026-11-20T23:59:59.000Z',
  updatedAt: '2026-11-21T00:00:01.000Z',
  version: 1,
  correlationId: 'corr-1',
  ...over,
});

describe('rowFromChange', () => {
  it('maps an order image to a row dated by its UTC creation day', () => {
    // Act
    const row = rowFromChange({
      eventName: 'INSERT',
      keys: { PK: 'ORDER#ord_1', SK: 'ORDER' },
      newImage: item(),
    });

    // Assess
    expect(row).toMatchObject({
      orderId: 'ord_1',
      customerId: 'c-1',
      units: 3,
      total: 1250,
      orderDate: '2026-11-20',
      version: 1,
      deleted: false,
    });
    expect(row?.lines).toEqual([
      { sku: 'SKU-A', quantity: 2, unitPrice: 500 },
      { sku: 'SKU-B', quantity: 1, unitPrice: 250 },
    ]);
  });

  it('ignores items that are not orders', () => {
    expect(
      rowFromChange({
        eventName: 'INSERT',
        keys: { PK: 'IDEMPOTENCY#c-1#k', SK: 'IDEMPOTENCY' },
        newImage: { entity: 'Idempotency' },
      }),
    ).toBeUndefined();
  });

  it('turns a REMOVE into a tombstone that outranks the last write', () => {
    const row = rowFromChange({ eventName: 'REMOVE', keys: { SK: 'ORDER' }, oldImage: item({ version: 3 }) });
    expect(row).toMatchObject({ deleted: true, version: 4 });
  });

  it('accepts statuses it does not know yet (tolerant reader)', () => {
    expect(
      rowFromChange({ eventName: 'MODIFY', keys: { SK: 'ORDER' }, newImage: item({ status: 'SHIPPED' }) })
        ?.status,
    ).toBe('SHIPPED');
  });

  it.each([
    ['a missing version', { version: undefined }],
    ['a fractional amount', { total: 12.5 }],
    ['a bad timestamp', { updatedAt: 'yesterday' }],
    [
      'a repeated SKU',
      {
        lines: [
          { sku: 'X1', quantity: 1, unitPrice: 1 },
          { sku: 'X1', quantity: 1, unitPrice: 1 },
        ],
      },
    ],
  ])('rejects an order image with %s as permanent', (_, over) => {
    expect(() => rowFromChange({ eventName: 'MODIFY', keys: { SK: 'ORDER' }, newImage: item(over) })).toThrow(
      PermanentError,
    );
  });
});

describe('latestPerOrder', () => {
  const row = (orderId: string, version: number, updatedAt = '2026-01-01T00:00:00.000Z') =>
    ({ orderId, version, updatedAt }) as OrderRow;

  it('keeps the highest (version, updatedAt) per order, whatever the arrival order', () => {
    const rows = [
      row('a', 2),
      row('b', 1),
      row('a', 3),
      row('a', 1),
      row('b', 1, '2026-01-02T00:00:00.000Z'),
    ];
    const latest = latestPerOrder(rows);
    expect(latest.map((r) => [r.orderId, r.version, r.updatedAt])).toEqual([
      ['a', 3, '2026-01-01T00:00:00.000Z'],
      ['b', 1, '2026-01-02T00:00:00.000Z'],
    ]);
    expect(latestPerOrder([...rows].reverse())).toEqual(expect.arrayContaining(latest));
  });
});
