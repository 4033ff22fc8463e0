import { describe, expect, it } from 'vitest';
import {
  isCancellable,
  newOrder,
  orderTotal,
  placeOrderInputSchema,
  platformOwnedFields,
  pricedLines,
  requestFingerprint,
} from './order';

describe('order domain', () => {
  it('computes the total in minor units', () => {
    expect(
      orderTotal([
        { sku: 'A1', quantity: 3, unitPrice: 199, kind: 'physical' },
        { sku: 'B2', quantity: 1, unitPrice: 1, kind: 'digital' },
      ]),
    ).toBe(598);
  });

  it('builds a PLACED order at version 1, priced by the catalog', () => {
    const input = placeOrderInputSchema.parse({ currency: 'EUR', lines: [{ sku: 'A1', quantity: 2 }] });
    const order = newOrder(
      { ...input, lines: pricedLines(input, [{ sku: 'A1', kind: 'physical', unitPrice: 500 }]) },
      { orderId: 'ord_1', customerId: 'c-1', correlationId: 'corr', customerEmail: 'c-1@example.com' },
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(order).toMatchObject({
      status: 'PLACED',
      version: 1,
      total: 1000,
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(order.lines[0]).toEqual({ sku: 'A1', quantity: 2, unitPrice: 500, kind: 'physical' });
  });

  it('refuses a client that sets what the catalog owns, saying what to send instead', () => {
    expect(
      platformOwnedFields({
        lines: [
          { sku: 'A1', quantity: 1 },
          { sku: 'B2', quantity: 1, unitPrice: 1 },
        ],
      }),
    ).toEqual([
      { path: 'lines.1.unitPrice', message: 'prices come from the catalog: send only sku and quantity' },
    ]);
    expect(platformOwnedFields({ lines: 'nope' })).toEqual([]);
    // A key every object inherits is not one the platform owns: the schema refuses it
    // as unrecognized instead, with a message (here it had none: an inherited function).
    const inherited = JSON.parse(
      '{"lines":[{"sku":"A1","quantity":1,"constructor":1,"toString":1,"__proto__":{}}]}',
    ) as unknown;
    expect(platformOwnedFields(inherited)).toEqual([]);
    expect(
      placeOrderInputSchema.safeParse({ currency: 'EUR', lines: [{ sku: 'A1', quantity: 1, unitPrice: 1 }] })
        .success,
    ).toBe(false);
  });

  it('allows cancelling only before confirmation', () => {
    expect(isCancellable('PLACED')).toBe(true);
    expect(isCancellable('PAYMENT_PENDING')).toBe(true);
    expect(isCancellable('CONFIRMED')).toBe(false);
    expect(isCancellable('CANCELLED')).toBe(false);
  });

  it('fingerprints requests independently of key order', () => {
    expect(requestFingerprint({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(
      requestFingerprint({ b: [{ y: 2, x: 1 }], a: 1 }),
    );
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  });
});
