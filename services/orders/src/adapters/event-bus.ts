import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishEvent } from '../domain/ports';

export class PublishFailedError extends Error {
  override name = 'PublishFailedError';
}

/**
 * PutEvents for one event. A 200 response can still carry failed entries
 * (FailedEntryCount): those are retried with back-off, then reported as an error so the
 * stream record is retried rather than lost.
 */
export function buildPublishEvent(client: EventBridgeClient, busName: string, attempts = 3): PublishEvent {
  return async (event: Envelope<unknown>) => {
    const entry = {
      EventBusName: busName,
      Source: event.metadata.source,
      DetailType: event.metadata.eventType,
      Detail: JSON.stringify(event),
      Time: new Date(event.metadata.occurredAt),
    };
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
      if (!out.FailedEntryCount) return;
      const failed = out.Entries?.[0];
      lastError = `${failed?.ErrorCode ?? 'unknown'}: ${failed?.ErrorMessage ?? ''}`;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
    throw new PublishFailedError(
      `PutEvents failed for ${event.metadata.eventId} after ${attempts} attempts (${lastError})`,
    );
  };
}
