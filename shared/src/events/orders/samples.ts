/**
 * One sample of each order event, in its envelope: the contract tests of the producer
 * (orders) and of every consumer start from these, and tests/contracts.unit.test.ts
 * checks each against both the zod schema and the generated JSON Schema
 * (docs/events/). Fixed values, so a failure is easy to read; override what a test is about.
 */
import { envelope, type Envelope } from '../envelope';
import { orderCancelledV1, type OrderCancelledV1 } from './orderCancelled.v1';
import { orderConfirmedV1, type OrderConfirmedV1 } from './orderConfirmed.v1';
import { orderFailedV1, type OrderFailedV1 } from './orderFailed.v1';
import { orderPlacedV1, type OrderPlacedV1 } from './orderPlaced.v1';

export const SAMPLE_ORDER_ID = 'ord_01JD0000000000000000000000';
const customerId = 'cus-sample';
const correlationId = 'corr-sample';

export function sampleOrderPlaced(over: Partial<OrderPlacedV1> = {}): Envelope<OrderPlacedV1> {
  const data: OrderPlacedV1 = {
    orderId: SAMPLE_ORDER_ID,
    customerId,
    lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999, kind: 'physical' }],
    total: 3998,
    currency: 'EUR',
    placedAt: '2026-11-22T10:00:00.000Z',
    ...over,
  };
  return envelope(orderPlacedV1, data, {
    correlationId,
    idempotencyKey: `${data.orderId}:v1:PLACED`,
    occurredAt: data.placedAt,
  });
}

export function sampleOrderConfirmed(over: Partial<OrderConfirmedV1> = {}): Envelope<OrderConfirmedV1> {
  const data: OrderConfirmedV1 = {
    orderId: SAMPLE_ORDER_ID,
    customerId,
    total: 3998,
    currency: 'EUR',
    paymentId: 'pay_sample',
    customerEmail: 'buyer@example.com',
    confirmedAt: '2026-11-22T10:01:00.000Z',
    lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999, kind: 'physical' }],
    ...over,
  };
  return envelope(orderConfirmedV1, data, {
    correlationId,
    idempotencyKey: `${data.orderId}:v4:CONFIRMED`,
    occurredAt: data.confirmedAt,
  });
}

export function sampleOrderCancelled(over: Partial<OrderCancelledV1> = {}): Envelope<OrderCancelledV1> {
  const data: OrderCancelledV1 = {
    orderId: SAMPLE_ORDER_ID,
    customerId,
    reason: 'cancelled by customer',
    cancelledAt: '2026-11-22T10:00:30.000Z',
    ...over,
  };
  return envelope(orderCancelledV1, data, {
    correlationId,
    idempotencyKey: `${data.orderId}:v2:CANCELLED`,
    occurredAt: data.cancelledAt,
  });
}

export function sampleOrderFailed(over: Partial<OrderFailedV1> = {}): Envelope<OrderFailedV1> {
  const data: OrderFailedV1 = {
    orderId: SAMPLE_ORDER_ID,
    customerId,
    reason: 'payment declined',
    failedAt: '2026-11-22T10:00:45.000Z',
    ...over,
  };
  return envelope(orderFailedV1, data, {
    correlationId,
    idempotencyKey: `${data.orderId}:v3:FAILED`,
    occurredAt: data.failedAt,
  });
}
