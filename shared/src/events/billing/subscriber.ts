/**
 * The consumer side of the billing contract: how a subscriber reads billing records from
 * its own SQS buffer (SNS raw message delivery: the body is the envelope, the message
 * attributes are SNS's). Every subscriber (invoicing, receipts, accounting) builds its
 * queue handler with `makeSubscriber`, so they all behave alike:
 *
 * - The platform's SQS consumer (shared/src/consumers/sqs.ts): partial batch responses
 *   (X7), a remaining-time guard before each record (X8), and the failure taxonomy: what
 *   can never succeed goes to the subscriber's DLQ at once and is acknowledged, anything
 *   else is retried and, after the queue's maxReceiveCount, SQS moves it to the same DLQ.
 * - Versioned contracts (X4): only the declared contracts are accepted; an unknown type,
 *   an undeclared version or attributes that disagree with the body are PermanentErrors,
 *   a body that is not JSON a PoisonMessageError.
 * - The envelope's correlation id becomes the log context of the record (X2).
 */
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetter } from '../../consumers/dead-letter';
import { sqsConsumer } from '../../consumers/sqs';
import { PermanentError, PoisonMessageError } from '../../errors';
import { setCorrelationId } from '../../observability';
import { parseEnvelope, type Envelope, type EventContract } from '../envelope';
import { RECORD_TYPE_ATTRIBUTE, VERSION_ATTRIBUTE } from './common';

/** Stop taking new records when less than this is left of the invocation. */
export const TIME_GUARD_MS = 3_000;

type DataOf<C> = C extends EventContract<infer T> ? T : never;

export interface ParsedRecord<C extends EventContract<unknown>> {
  contract: C;
  event: Envelope<DataOf<C>>;
}

/** Reads one SQS record as a billing envelope of one of the accepted contracts. */
export function readBillingRecord<C extends EventContract<unknown>>(
  record: Pick<SQSRecord, 'body' | 'messageAttributes'>,
  accepted: readonly C[],
): ParsedRecord<C> {
  let raw: unknown;
  try {
    raw = JSON.parse(record.body);
  } catch {
    throw new PoisonMessageError('Message body is not JSON');
  }
  const parsed = parseEnvelope(raw, accepted) as ParsedRecord<C>;
  const { eventType, version } = parsed.event.metadata;
  // The attributes are what the filter policies routed on: a message whose attributes lie
  // about its body reached the wrong subscribers, so it is refused rather than processed.
  const attrType = record.messageAttributes?.[RECORD_TYPE_ATTRIBUTE]?.stringValue;
  const attrVersion = record.messageAttributes?.[VERSION_ATTRIBUTE]?.stringValue;
  if (attrType !== undefined && attrType !== eventType) {
    throw new PermanentError(
      `Attribute ${RECORD_TYPE_ATTRIBUTE}=${attrType} does not match the body's ${eventType}`,
    );
  }
  if (attrVersion !== undefined && Number(attrVersion) !== version) {
    throw new PermanentError(
      `Attribute ${VERSION_ATTRIBUTE}=${attrVersion} does not match the body's version ${version}`,
    );
  }
  return parsed;
}

export interface SubscriberDeps<C extends EventContract<unknown>> {
  /** The contracts (type + version) this subscriber declares. */
  accepted: readonly C[];
  /** Does the work for one record; throws PermanentError for what can never succeed. */
  handle: (parsed: ParsedRecord<C>, record: SQSRecord) => Promise<void>;
  deadLetter: DeadLetter;
  timeGuardMs?: number;
}

export function makeSubscriber<C extends EventContract<unknown>>(deps: SubscriberDeps<C>) {
  return sqsConsumer({
    deadLetter: deps.deadLetter,
    timeGuardMs: deps.timeGuardMs ?? TIME_GUARD_MS,
    handle: async (record) => {
      const parsed = readBillingRecord(record, deps.accepted);
      // The envelope's id, once the record is read: the same id as the producer's log lines.
      setCorrelationId(parsed.event.metadata.correlationId);
      await deps.handle(parsed, record);
    },
  });
}
