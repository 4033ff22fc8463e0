/**
 * The one dead-letter message format. A parked message is the original, untouched (body
 * and message attributes), plus what went wrong under one attribute prefix, `failure.`.
 * So the replay tool (tooling/dlq/replay.ts) restores the original exactly by dropping
 * that prefix, and nothing of ours can collide with a producer's attribute.
 *
 * SQS allows 10 message attributes. The originals always stay whole (a replay must put
 * back what the producer sent); ours fill the slots left, most useful first. With all ten
 * taken by the producer the failure is only in the consumer's log line.
 *
 * Plain data only (no AWS SDK import): the attribute shape is the SDK's wire shape.
 */
import type { Failure } from './failures';

export const FAILURE_PREFIX = 'failure.';
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** What the DLQ message says about the failure, most useful first (see the limit above). */
export const FAILURE_ATTRIBUTES = {
  reason: `${FAILURE_PREFIX}reason`,
  kind: `${FAILURE_PREFIX}kind`,
  at: `${FAILURE_PREFIX}at`,
  /** The queue or stream the record came from. */
  sourceArn: `${FAILURE_PREFIX}sourceArn`,
  /** Its message id (queue) or sequence number (stream). */
  sourceId: `${FAILURE_PREFIX}sourceId`,
} as const;

/**
 * Names the consumers used before this format (billing and catalog: failureReason,
 * sourceQueueArn; inventory: failureReason, sourceMessageId; webhook: failure-*). Messages
 * parked under them may still sit in a DLQ, so the replay drops them too.
 */
export const LEGACY_FAILURE_ATTRIBUTES: readonly string[] = [
  'failureReason',
  'sourceQueueArn',
  'sourceMessageId',
];
export const LEGACY_FAILURE_PREFIX = 'failure-';

/** A message attribute as the SQS API sends and receives it. */
export interface WireAttribute {
  DataType: string | undefined;
  StringValue?: string | undefined;
  BinaryValue?: Uint8Array | undefined;
}

/** A message attribute as Lambda hands it to a consumer (binary values base64). */
export interface RecordAttribute {
  dataType: string;
  stringValue?: string | undefined;
  binaryValue?: string | undefined;
}

/** The parts of an SQS record the format needs. */
export interface ParkedRecord {
  messageId: string;
  body: string;
  eventSourceARN: string;
  messageAttributes?: Record<string, RecordAttribute>;
  attributes?: { MessageGroupId?: string | undefined };
}

export function isFailureAttribute(name: string): boolean {
  return (
    name.startsWith(FAILURE_PREFIX) ||
    name.startsWith(LEGACY_FAILURE_PREFIX) ||
    LEGACY_FAILURE_ATTRIBUTES.includes(name)
  );
}

function toWire(a: RecordAttribute): WireAttribute {
  return a.binaryValue !== undefined
    ? { DataType: a.dataType, BinaryValue: Buffer.from(a.binaryValue, 'base64') }
    : { DataType: a.dataType, StringValue: a.stringValue ?? '' };
}

const MAX_REASON_CHARS = 1_000;

/** Where a parked record came from. */
export interface FailureOrigin {
  sourceArn?: string | undefined;
  sourceId?: string | undefined;
}

/** Our attributes alone, most useful first (for a parked stream record, which has no others). */
export function failureAttributes(
  failure: Failure,
  at: Date,
  origin: FailureOrigin = {},
  room = MAX_MESSAGE_ATTRIBUTES,
): Record<string, WireAttribute> {
  const ours: [string, string | undefined][] = [
    [FAILURE_ATTRIBUTES.reason, failure.reason.slice(0, MAX_REASON_CHARS) || 'unknown'],
    [FAILURE_ATTRIBUTES.kind, failure.kind],
    [FAILURE_ATTRIBUTES.at, at.toISOString()],
    [FAILURE_ATTRIBUTES.sourceArn, origin.sourceArn],
    [FAILURE_ATTRIBUTES.sourceId, origin.sourceId],
  ];
  const out: Record<string, WireAttribute> = {};
  for (const [name, value] of ours) {
    if (Object.keys(out).length >= room) break;
    if (value) out[name] = { DataType: 'String', StringValue: value };
  }
  return out;
}

/** The attributes of the DLQ message: the originals as sent, then ours while slots remain. */
export function deadLetterAttributes(
  record: ParkedRecord,
  failure: Failure,
  at: Date,
): Record<string, WireAttribute> {
  const originals: Record<string, WireAttribute> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) originals[name] = toWire(value);
  const room = MAX_MESSAGE_ATTRIBUTES - Object.keys(originals).length;
  return {
    ...originals,
    ...failureAttributes(failure, at, { sourceArn: record.eventSourceARN, sourceId: record.messageId }, room),
  };
}

/** A received DLQ message's attributes without ours: what the producer originally sent. */
export function originalAttributes<A>(attributes: Record<string, A> | undefined): Record<string, A> {
  return Object.fromEntries(Object.entries(attributes ?? {}).filter(([name]) => !isFailureAttribute(name)));
}
