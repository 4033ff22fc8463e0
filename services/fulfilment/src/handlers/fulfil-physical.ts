/** Task: a physical line -> a shipment booked with the carrier (one per line: the line key is its Idempotency-Key). */
import { intEnv, requireEnv } from '@order-platform/shared/config';
import { withObservability } from '@order-platform/shared/observability';
import { lineKey } from '../domain/fulfilment';
import type { BookShipment, FulfilmentStore } from '../domain/ports';
import { buildBookShipment } from '../adapters/carrier-client';
import { store } from './deps';
import { taskHandler } from './task';

export function makeHandler(deps: { store: FulfilmentStore; book: BookShipment; now?: () => Date }) {
  return taskHandler('physical', deps, async (line, now) => {
    const shipment = await deps.book({
      reference: lineKey(line.orderId, line.lineNo),
      orderId: line.orderId,
      customerId: line.customerId,
      sku: line.sku,
      quantity: line.quantity,
    });
    await deps.store.shipmentBooked(line, shipment, now);
  });
}

export const handler = withObservability(
  makeHandler({
    store: store(),
    book: buildBookShipment(requireEnv('CARRIER_BASE_URL'), {
      timeoutMs: intEnv('CARRIER_TIMEOUT_MS', 3000),
    }),
  }),
);
