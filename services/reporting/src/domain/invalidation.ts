/**
 * Event-driven invalidation (P05): an order that became CONFIRMED or CANCELLED changes
 * the sales reports and the customer's summary. The consumer accepts the versions it
 * declares and rejects the rest clearly (X4).
 */
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { orderCancelledV1, orderConfirmedV1 } from '@order-platform/shared/events/orders';
import { customerNamespace, SALES_NAMESPACE } from './reports';

export const INVALIDATING_EVENTS = [orderConfirmedV1, orderCancelledV1] as const;

/** The cache namespaces an order event makes stale. Throws PermanentError for anything else. */
export function namespacesForEvent(detail: unknown): {
  eventType: string;
  customerId: string;
  namespaces: string[];
} {
  const { event } = parseEnvelope(detail, INVALIDATING_EVENTS);
  const customerId = (event.data as { customerId: string }).customerId;
  return {
    eventType: event.metadata.eventType,
    customerId,
    namespaces: [SALES_NAMESPACE, customerNamespace(customerId)],
  };
}
