import { describe, expect, it } from 'vitest';
import { sampleOrderConfirmed } from '@order-platform/shared/events/orders/samples';
import {
  LinesMissingError,
  fulfilLineV1,
  giftCardCodeSchema,
  giftCardHash,
  maskCode,
  newGiftCardCode,
  routeOrder,
  shipmentRank,
  unroutableReason,
} from './fulfilment';

const TASKS = { physical: 'task-physical', digital: 'task-digital', giftcard: 'task-giftcard' };
const lines = [
  { sku: 'MUG-LOGO', quantity: 2, unitPrice: 1250, kind: 'physical' as const },
  { sku: 'EBOOK-PATTERNS', quantity: 1, unitPrice: 1900, kind: 'digital' as const },
  { sku: 'GIFT-CARD-25', quantity: 1, unitPrice: 2500, kind: 'giftcard' as const },
];

describe('routeOrder', () => {
  it('sends each line to the task for its kind, keyed orderId#lineNo, with the event correlation id', () => {
    const confirmed = sampleOrderConfirmed({ lines });
    const { routed, unroutable } = routeOrder(confirmed, TASKS);
    expect(unroutable).toEqual([]);
    expect(routed.map((r) => [r.task, r.command.metadata.idempotencyKey])).toEqual([
      ['task-physical', `${confirmed.data.orderId}#1`],
      ['task-digital', `${confirmed.data.orderId}#2`],
      ['task-giftcard', `${confirmed.data.orderId}#3`],
    ]);
    const command = routed[0]!.command;
    expect(command.metadata).toMatchObject({
      eventType: 'FulfilLine',
      version: 1,
      correlationId: confirmed.metadata.correlationId,
    });
    expect(fulfilLineV1.data.parse(command.data)).toEqual({
      orderId: confirmed.data.orderId,
      customerId: confirmed.data.customerId,
      lineNo: 1,
      sku: 'MUG-LOGO',
      kind: 'physical',
      quantity: 2,
      unitPrice: 1250,
      currency: 'EUR',
    });
  });

  it('keeps apart the lines whose kind has no task, and says which', () => {
    const confirmed = sampleOrderConfirmed({ lines });
    const { routed, unroutable } = routeOrder(confirmed, { physical: 'task-physical' });
    expect(routed).toHaveLength(1);
    expect(unroutable).toEqual([
      { lineNo: 2, sku: 'EBOOK-PATTERNS', kind: 'digital' },
      { lineNo: 3, sku: 'GIFT-CARD-25', kind: 'giftcard' },
    ]);
    expect(unroutableReason('ord_X', unroutable)).toBe(
      'No fulfilment task for kind "digital" (line 2, EBOOK-PATTERNS), kind "giftcard" (line 3, GIFT-CARD-25) of order ord_X; the other lines were routed',
    );
  });

  it('refuses an OrderConfirmed without lines (an older producer): nothing to route', () => {
    const { lines: _none, ...data } = sampleOrderConfirmed().data;
    const confirmed = { ...sampleOrderConfirmed(), data };
    expect(() => routeOrder(confirmed, TASKS)).toThrow(LinesMissingError);
  });

  it('does not take an inherited property for a task', () => {
    const confirmed = sampleOrderConfirmed({
      lines: [{ sku: 'MUG-LOGO', quantity: 1, unitPrice: 1, kind: 'physical' }],
    });
    expect(routeOrder(confirmed, {}).unroutable).toHaveLength(1);
  });
});

describe('shipment progress', () => {
  it('orders the statuses so an update only moves a shipment forward', () => {
    const order = ['booked', 'label_created', 'in_transit', 'out_for_delivery', 'delivered'].map(
      shipmentRank,
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(5);
    expect(shipmentRank('exception')).toBeGreaterThan(shipmentRank('delivered'));
  });
});

describe('gift card codes', () => {
  it('are 16 Crockford characters from 80 random bits, grouped by four', () => {
    const code = newGiftCardCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(giftCardCodeSchema.safeParse(code).success).toBe(true);
    expect(new Set(Array.from({ length: 50 }, () => newGiftCardCode())).size).toBe(50);
    expect(newGiftCardCode(() => Buffer.alloc(16, 0))).toBe('0000-0000-0000-0000');
  });

  it('hash the same whatever the case or dashes, and differ per code', () => {
    expect(giftCardHash('ABCD-EFGH-JKMN-PQRS')).toBe(giftCardHash('abcdefghjkmnpqrs'));
    expect(giftCardHash('ABCD-EFGH-JKMN-PQRS')).not.toBe(giftCardHash('ABCD-EFGH-JKMN-PQRT'));
    expect(giftCardHash('ABCD-EFGH-JKMN-PQRS')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('show only their last four once revealed', () => {
    expect(maskCode('PQRS')).toBe('XXXX-XXXX-XXXX-PQRS');
  });
});
