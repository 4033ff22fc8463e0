/**
 * The platform's versioned event envelope. Every event on the bus (and on SNS/SQS
 * hops) is `{ metadata, data }`; EventBridge's `detail-type` repeats the event type so
 * rules can match on it, and `detail.metadata.version` lets a rule (and a consumer)
 * accept only the versions it understands (X4).
 */
import * as z from 'zod/mini';
import { UnsupportedEventVersionError, PermanentError } from '../errors';
import '../zod-locale';

export const EVENT_SOURCE_PREFIX = 'order-platform';

const nonEmpty = () => z.string().check(z.minLength(1));

export const metadataSchema = z.object({
  eventId: nonEmpty(),
  eventType: nonEmpty(),
  version: z.number().check(z.int(), z.positive()),
  source: z.string().check(z.startsWith(`${EVENT_SOURCE_PREFIX}.`)),
  occurredAt: z.iso.datetime(),
  correlationId: nonEmpty(),
  /** Stable across redeliveries of the same fact: consumers deduplicate on it (X1). */
  idempotencyKey: nonEmpty(),
});

export type EventMetadata = z.infer<typeof metadataSchema>;

export interface Envelope<T> {
  metadata: EventMetadata;
  data: T;
}

/** A declared event contract: its type, version and the schema of its data. */
export interface EventContract<T> {
  type: string;
  version: number;
  source: string;
  data: z.ZodMiniType<T>;
}

export function defineEvent<T>(
  type: string,
  version: number,
  source: string,
  data: z.ZodMiniType<T>,
): EventContract<T> {
  return { type, version, source, data };
}

export function envelope<T>(
  contract: EventContract<T>,
  data: T,
  meta: { correlationId: string; idempotencyKey: string; occurredAt?: string; eventId?: string },
): Envelope<T> {
  return {
    metadata: {
      eventId: meta.eventId ?? meta.idempotencyKey,
      eventType: contract.type,
      version: contract.version,
      source: contract.source,
      occurredAt: meta.occurredAt ?? new Date().toISOString(),
      correlationId: meta.correlationId,
      idempotencyKey: meta.idempotencyKey,
    },
    data: contract.data.parse(data),
  };
}

/**
 * Parses an envelope against the contracts a consumer declares. An unknown type or a
 * version the consumer does not declare is a PermanentError: retrying cannot fix it.
 */
export function parseEnvelope<C extends EventContract<unknown>>(
  raw: unknown,
  accepted: readonly C[],
): { contract: C; event: Envelope<C extends EventContract<infer T> ? T : never> } {
  const meta = z.object({ metadata: metadataSchema, data: z.unknown() }).safeParse(raw);
  if (!meta.success)
    throw new PermanentError(`Not a platform event envelope: ${meta.error.issues[0]?.message}`);
  const { eventType, version } = meta.data.metadata;
  const sameType = accepted.filter((c) => c.type === eventType);
  if (sameType.length === 0) throw new PermanentError(`Unexpected event type ${eventType}`);
  const contract = sameType.find((c) => c.version === version);
  if (!contract) {
    throw new UnsupportedEventVersionError(
      `${eventType} v${version} is not supported; accepted: ${sameType.map((c) => `v${c.version}`).join(', ')}`,
    );
  }
  const data = contract.data.safeParse(meta.data.data);
  if (!data.success) {
    throw new PermanentError(
      `Invalid ${eventType} v${version} data: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { contract, event: { metadata: meta.data.metadata, data: data.data } as never };
}
