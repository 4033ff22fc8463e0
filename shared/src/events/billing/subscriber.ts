/**
 * The consumer side of the billing contract: how a subscriber reads billing records from
 * its own SQS buffer (SNS raw message delivery: the body is the envelope, the message
 * attributes are SNS's). Every subscriber (invoicing, receipts, accounting) builds its
 * queue handler with `makeSubscriber`, so they all behave alike:
 *
 * - Powertools batch processing with partial batch responses (X7): one bad record never
 *   fails the batch.
 * - A remaining-time guard before each record (X8): when the invocation is nearly out of
 *   time, the rest of the batch is reported as failed and comes back after the visibility
 *   timeout, instead of being cut off halfway.
 * - Versioned contracts (X4): only the declared contracts are accepted; an unknown type,
 *   an undeclared version, a body that is not an envelope, or attributes that disagree
 *   with the body are PermanentErrors: the record goes to the subscriber's DLQ at once and
 *   is acknowledged. Any other error is temporary: the record is retried and, after the
 *   queue's maxReceiveCount, SQS moves it to the same DLQ.
 * - The envelope's correlation id becomes the log context of the record (X2).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { PermanentError } from '../../errors';
import { logger, setCorrelationId } from '../../observability';
import { parseEnvelope, type Envelope, type EventContract } from '../envelope';
import { RECORD_TYPE_ATTRIBUTE, VERSION_ATTRIBUTE } from './common';

/** Stop taking new records when less than this is left of the invocation. */
export const TIME_GUARD_MS = 3_000;

export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

/** Port: send a record that can never succeed to the subscriber's DLQ, with the reason. */
export type DeadLetter = (record: SQSRecord, reason: Error) => Promise<void>;

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
    throw new PermanentError('Message body is not JSON');
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
  const guard = deps.timeGuardMs ?? TIME_GUARD_MS;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = async (record: SQSRecord) => {
      if (context.getRemainingTimeInMillis() < guard) {
        throw new OutOfTimeError('Not enough time left; leaving this record for a later receive');
      }
      try {
        const parsed = readBillingRecord(record, deps.accepted);
        setCorrelationId(parsed.event.metadata.correlationId);
        await deps.handle(parsed, record);
      } catch (error) {
        if (!(error instanceof PermanentError)) throw error;
        logger.error('Record can never succeed; sent to the dead-letter queue', {
          messageId: record.messageId,
          reason: error.message,
        });
        await deps.deadLetter(record, error);
      }
    };
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}
