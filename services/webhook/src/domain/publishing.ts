/**
 * Where an outbox row goes is decided by its envelope's source, nothing else: billing
 * records (`order-platform.billing`) go to the billing notifier's SNS topic, everything
 * else (the payments events) to the EventBridge bus. The writer's publish-after-commit
 * and the relay share this one router, so a row is published the same way whoever takes
 * it. Pure: the destinations are ports.
 *
 * The result stays per envelope (what the outbox marks). A destination that fails as a
 * whole (a transport error) marks its own envelopes not accepted and leaves the others
 * alone: their rows are marked, the failed ones stay pending for the relay.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishEnvelopes } from './ports';

export function routeBySource(
  routes: Readonly<Record<string, PublishEnvelopes>>,
  fallback: PublishEnvelopes,
  onDestinationError: (error: unknown, source: string | undefined, count: number) => void = () => undefined,
): PublishEnvelopes {
  return async (events) => {
    const accepted = events.map(() => false);
    const groups = new Map<string | undefined, number[]>();
    events.forEach((e, i) => {
      const key = Object.hasOwn(routes, e.metadata.source) ? e.metadata.source : undefined;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    await Promise.all(
      [...groups].map(async ([source, indexes]) => {
        const publish = source === undefined ? fallback : routes[source]!;
        try {
          const out = await publish(indexes.map((i) => events[i] as Envelope<unknown>));
          indexes.forEach((index, k) => (accepted[index] = out[k] === true));
        } catch (error) {
          onDestinationError(error, source, indexes.length);
        }
      }),
    );
    return accepted;
  };
}
