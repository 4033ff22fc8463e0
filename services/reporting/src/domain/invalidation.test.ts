import { describe, expect, it } from 'vitest';
import { PermanentError, UnsupportedEventVersionError } from '@order-platform/shared/errors';
import { envelope } from '@order-platform/shared/events/envelope';
import { orderCancelledV1, orderConfirmedV1, orderPlacedV1 } from '@order-platform/shared/events/orders';
import { namespacesForEvent } from './invalidation';

const meta = { correlationId: 'corr-1', idempotencyKey: 'k-1' };
const orderId = 'ord_01JD0000000000000000000000';

describe('namespacesForEvent', () => {
  it('maps OrderConfirmed and OrderCancelled v1 to the sales and customer namespaces', () => {
    const confirmed = envelope(
      orderConfirmedV1,
      { orderId, customerId: 'alice', total: 100, currency: 'EUR', confirmedAt: '2026-01-01T00:00:00.000Z' },
      meta,
    );
    const cancelled = envelope(
      orderCancelledV1,
      { orderId, customerId: 'bob', reason: 'changed my mind', cancelledAt: '2026-01-01T00:00:00.000Z' },
      meta,
    );
    expect(namespacesForEvent(confirmed).namespaces).toEqual(['sales', 'customer:alice']);
    expect(namespacesForEvent(cancelled).namespaces).toEqual(['sales', 'customer:bob']);
  });

  it('rejects undeclared versions and other events clearly (X4)', () => {
    const confirmed = envelope(
      orderConfirmedV1,
      { orderId, customerId: 'alice', total: 100, currency: 'EUR', confirmedAt: '2026-01-01T00:00:00.000Z' },
      meta,
    );
    const v2 = { ...confirmed, metadata: { ...confirmed.metadata, version: 2 } };
    const placed = envelope(
      orderPlacedV1,
      {
        orderId,
        customerId: 'a-1',
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1, kind: 'physical' }],
        total: 1,
        currency: 'EUR',
        placedAt: '2026-01-01T00:00:00.000Z',
      },
      meta,
    );
    expect(() => namespacesForEvent(v2)).toThrow(UnsupportedEventVersionError);
    expect(() => namespacesForEvent(placed)).toThrow(PermanentError);
  });
});
