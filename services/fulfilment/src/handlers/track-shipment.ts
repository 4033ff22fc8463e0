/**
 * ShipmentUpdated v1 (the webhook service recorded a carrier update, P28) -> the order
 * line shipped under that tracking number moves forward. Applied at most once per
 * status: an older or repeated update changes nothing. An update that arrives before
 * the booking was recorded is retried (the line is still `processing`).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { shipmentUpdatedV1 } from '@order-platform/shared/events/shipments/shipmentUpdated.v1';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import type { FulfilmentStore } from '../domain/ports';
import { store } from './deps';

export function makeHandler(deps: { store: FulfilmentStore }) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const { event: update } = parseEnvelope(event.detail, [shipmentUpdatedV1]);
    setCorrelationId(update.metadata.correlationId);
    const { orderId, trackingNumber, status, occurredAt } = update.data;
    const moved = await deps.store.shipmentUpdated(orderId, trackingNumber, status, occurredAt);
    if (moved) {
      logger.info('Shipment status applied', { orderId, trackingNumber, status });
      return { orderId, status, outcome: 'applied' as const };
    }
    logger.info('Shipment update not newer, or not a fulfilment shipment', {
      orderId,
      trackingNumber,
      status,
    });
    return { orderId, status, outcome: 'ignored' as const };
  };
}

export const handler = withObservability(makeHandler({ store: store() }));
