/**
 * Billing records from the outbox onto the billing notifier's SNS topic, through the one
 * shared publisher (`@order-platform/shared/events/billing/publish`: envelope body,
 * recordType / version / correlationId attributes). SNS takes one message per Publish;
 * up to `concurrency` go at once. Each envelope answers for itself: one refused publish
 * leaves only its own outbox row pending for the relay.
 */
import type { PublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import type { PublishEnvelopes } from '../domain/ports';

export function buildPublishBillingEnvelopes(
  publishOne: PublishBillingRecord,
  opts: { concurrency?: number; onError?: (error: unknown, eventId: string) => void } = {},
): PublishEnvelopes {
  const concurrency = opts.concurrency ?? 10;
  return async (events) => {
    const accepted = events.map(() => false);
    for (let start = 0; start < events.length; start += concurrency) {
      const chunk = events.slice(start, start + concurrency);
      const results = await Promise.allSettled(chunk.map((e) => publishOne(e)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') accepted[start + i] = true;
        else opts.onError?.(r.reason, chunk[i]!.metadata.eventId);
      });
    }
    return accepted;
  };
}
