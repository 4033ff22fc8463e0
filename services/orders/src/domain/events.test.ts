import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { orderCancelledV1, orderEventContracts, orderPlacedV1 } from '@order-platform/shared/events/orders';
import { sampleOrderPlaced } from '@order-platform/shared/events/orders/samples';
import { UnsupportedEventVersionError } from '@order-platform/shared/errors';
import { eventForChange } from './events';
import type { Order } from './order';

const placed: Order = {
  orderId: 'ord_01JABCDEFGHJKMNPQRSTVWXYZ0',
  customerId: 'c-1',
  status: 'PLACED',
  lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100, kind: 'physical' }],
  total: 100,
  currency: 'EUR',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  correlationId: 'corr-1',
};

describe('eventForChange (stream record → domain event)', () => {
  it('an insert of a PLACED order is OrderPlaced v1, keyed by order and version', () => {
    const event = eventForChange(undefined, placed)!;
    expect(event.metadata).toMatchObject({
      eventType: 'OrderPlaced',
      version: 1,
      source: 'order-platform.orders',
      correlationId: 'corr-1',
      idempotencyKey: `${placed.orderId}:v1:PLACED`,
    });
    expect(parseEnvelope(event, orderEventContracts).contract).toBe(orderPlacedV1);
  });

  it('an OrderPlaced has the fields of the shared sample its consumers are tested with', () => {
    const event = eventForChange(undefined, placed)!;
    const sample = sampleOrderPlaced();
    expect(Object.keys(event.metadata).sort()).toEqual(Object.keys(sample.metadata).sort());
    expect(Object.keys(event.data as object).sort()).toEqual(Object.keys(sample.data).sort());
  });

  it('a status change to CANCELLED is OrderCancelled with the reason', () => {
    const cancelled = {
      ...placed,
      status: 'CANCELLED' as const,
      version: 2,
      statusReason: 'changed my mind',
      updatedAt: '2026-01-01T01:00:00.000Z',
    };
    const event = eventForChange(placed, cancelled)!;
    expect(parseEnvelope(event, [orderCancelledV1]).event.data).toMatchObject({
      reason: 'changed my mind',
      cancelledAt: cancelled.updatedAt,
    });
  });

  it('internal saga steps and non-status updates publish nothing', () => {
    expect(eventForChange(placed, { ...placed, status: 'RESERVED', version: 2 })).toBeUndefined();
    expect(eventForChange(placed, { ...placed, version: 2 })).toBeUndefined();
    expect(eventForChange(placed, undefined)).toBeUndefined();
  });

  it('the same change always yields the same idempotency key (safe to retry)', () => {
    expect(eventForChange(undefined, placed)!.metadata.idempotencyKey).toBe(
      eventForChange(undefined, placed)!.metadata.idempotencyKey,
    );
  });
});

describe('versioned contracts (X4)', () => {
  it('a consumer rejects a version it has not declared, clearly', () => {
    const v2 = eventForChange(undefined, placed)!;
    const raw = { ...v2, metadata: { ...v2.metadata, version: 2 } };
    expect(() => parseEnvelope(raw, [orderPlacedV1])).toThrow(UnsupportedEventVersionError);
    expect(() => parseEnvelope(raw, [orderPlacedV1])).toThrow(
      /OrderPlaced v2 is not supported; accepted: v1/,
    );
  });

  it('rejects data that does not match the contract', () => {
    const event = eventForChange(undefined, placed)!;
    const raw = { ...event, data: { ...(event.data as object), total: -5 } };
    expect(() => parseEnvelope(raw, [orderPlacedV1])).toThrow(/Invalid OrderPlaced v1 data/);
  });
});
