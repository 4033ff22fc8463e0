/**
 * The outbox step of the stream publisher (P02): one order change, at most one domain
 * event. Changes that mean nothing to other services (no status move, deletions) publish
 * nothing.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import { eventForChange } from './events';
import type { Order } from './order';

/** Publishes one event at most once (the idempotent wrapper around the bus). */
export type PublishOnce = (event: Envelope<unknown>) => Promise<unknown>;

export function publishOrderChange(publishOnce: PublishOnce) {
  return async (
    before: Order | undefined,
    after: Order | undefined,
  ): Promise<Envelope<unknown> | undefined> => {
    const event = eventForChange(before, after);
    if (event) await publishOnce(event);
    return event;
  };
}
