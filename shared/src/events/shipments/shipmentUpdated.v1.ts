/**
 * ShipmentUpdated v1: the webhook service recorded a carrier's status update for an
 * order's shipment (POST /webhooks/carrier, P28). Fulfilment follows it to move the
 * order's physical lines along (label_created -> in_transit -> out_for_delivery ->
 * delivered). Published at least once per carrier event id: consumers apply it
 * idempotently.
 */
import * as z from 'zod/mini';
import { defineEvent, envelope, type Envelope } from '../envelope';
import { orderIdSchema } from '../orders/common';

export const SHIPMENTS_SOURCE = 'order-platform.shipments';

export const SHIPMENT_STATUSES = [
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
] as const;

export const shipmentUpdatedV1 = defineEvent(
  'ShipmentUpdated',
  1,
  SHIPMENTS_SOURCE,
  z.object({
    /** The carrier's own id for this update (deduplication key). */
    carrierEventId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/)),
    orderId: orderIdSchema,
    carrier: z.string().check(z.minLength(1), z.maxLength(64)),
    trackingNumber: z.string().check(z.regex(/^[A-Za-z0-9-]{4,64}$/)),
    status: z.enum(SHIPMENT_STATUSES),
    occurredAt: z.iso.datetime(),
  }),
);

export type ShipmentUpdatedV1 = z.infer<typeof shipmentUpdatedV1.data>;

export function shipmentUpdated(data: ShipmentUpdatedV1, correlationId: string): Envelope<ShipmentUpdatedV1> {
  return envelope(shipmentUpdatedV1, data, {
    correlationId,
    idempotencyKey: `shipment:${data.carrierEventId}`,
    occurredAt: data.occurredAt,
  });
}

export function sampleShipmentUpdated(over: Partial<ShipmentUpdatedV1> = {}): Envelope<ShipmentUpdatedV1> {
  return shipmentUpdated(
    {
      carrierEventId: 'evt_sample_1',
      orderId: 'ord_01JD0000000000000000000000',
      carrier: 'simcarrier',
      trackingNumber: 'SIM-0001',
      status: 'in_transit',
      occurredAt: '2026-11-22T12:00:00.000Z',
      ...over,
    },
    'corr-sample',
  );
}
