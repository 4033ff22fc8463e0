import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishEnvelopes } from '../domain/ports';

const MAX_ENTRIES_PER_CALL = 10;

/**
 * PutEvents in chunks of 10. A 200 response can still reject single entries
 * (FailedEntryCount); those are retried a few times, then reported as not accepted so
 * their outbox rows stay pending for the relay. Transport errors reject the whole chunk.
 */
export function buildPublishEnvelopes(
  client: EventBridgeClient,
  busName: string,
  attempts = 3,
): PublishEnvelopes {
  const toEntry = (e: Envelope<unknown>): PutEventsRequestEntry => ({
    EventBusName: busName,
    Source: e.metadata.source,
    DetailType: e.metadata.eventType,
    Detail: JSON.stringify(e),
    Time: new Date(e.metadata.occurredAt),
  });
  return async (events) => {
    const accepted = events.map(() => false);
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      let pending = events
        .slice(start, start + MAX_ENTRIES_PER_CALL)
        .map((e, i) => ({ index: start + i, entry: toEntry(e) }));
      for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
        if (attempt > 1) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
        const results = out.Entries ?? [];
        const retry: typeof pending = [];
        pending.forEach((p, i) => {
          if (results[i]?.EventId && !results[i]?.ErrorCode) accepted[p.index] = true;
          else retry.push(p);
        });
        pending = retry;
      }
    }
    return accepted;
  };
}
