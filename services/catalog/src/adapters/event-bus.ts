import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PublishEvent } from '../domain/ports';

export class PublishFailedError extends Error {
  override name = 'PublishFailedError';
}

/** PutEvents for one event; a failed entry is an error (the finaliser's message is retried). */
export function buildPublishEvent(client: EventBridgeClient, busName: string): PublishEvent {
  return async (event) => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: event.metadata.source,
            DetailType: event.metadata.eventType,
            Detail: JSON.stringify(event),
            Time: new Date(event.metadata.occurredAt),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) {
      const e = out.Entries?.[0];
      throw new PublishFailedError(
        `PutEvents failed for ${event.metadata.eventId}: ${e?.ErrorCode} ${e?.ErrorMessage}`,
      );
    }
  };
}
