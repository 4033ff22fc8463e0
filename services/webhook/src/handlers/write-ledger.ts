/**
 * The throttled writer (P01, P17, P24, P25): payments queue → Postgres ledger, at most
 * WRITER_CONCURRENCY containers with one connection each. Takes both message kinds on
 * the queue (provider webhooks and other services' refund requests). Each entry and
 * its outbox rows (the payments event, and the billing record when the provider echoed
 * the customer) commit together; they are published right after the commit, each to
 * its destination by source (bus / billing topic), and the scheduled relay publishes
 * whatever a crash left behind.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsClient } from '@order-platform/shared/aws';
import { optionalEnv, requireEnv } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { describeError } from '@order-platform/shared/consumers/failures';
import { correlationAttribute, sqsConsumer } from '@order-platform/shared/consumers/sqs';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, metrics, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { createBatcher } from '../domain/batcher';
import type { PublishOutbox, RecordEntries } from '../domain/ports';
import { entryFromBody } from '../domain/write';
import { buildRecordEntries } from '../adapters/ledger-store';
import { buildPublishOutbox } from '../adapters/outbox';
import { outboxPublisher } from './outbox-publisher';

export type WriteMode = 'batch' | 'single';

export interface WriterDeps {
  recordEntries: RecordEntries;
  publishOutbox: PublishOutbox;
  deadLetter: DeadLetter;
  /** 'batch': one transaction per SQS batch; 'single': one per message (the benchmark's baseline). */
  mode: WriteMode;
  now: () => Date;
  timeGuardMs?: number;
}

export function makeHandler(deps: WriterDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const batcher = deps.mode === 'batch' ? createBatcher(deps.recordEntries) : undefined;
    const outboxIds = new Set<number>();
    const consume = sqsConsumer({
      parallel: deps.mode === 'batch',
      deadLetter: deps.deadLetter,
      ...(deps.timeGuardMs !== undefined ? { timeGuardMs: deps.timeGuardMs } : {}),
      handle: async (record) => {
        const entry = entryFromBody(record.body, {
          fallbackCorrelationId: correlationAttribute(record) ?? record.messageId,
          now: deps.now(),
        });
        setCorrelationId(entry.correlationId);
        const result = batcher ? await batcher.add(entry) : await deps.recordEntries([entry]);
        result.outboxIds.forEach((id) => outboxIds.add(id));
        const inserted = result.inserted.includes(entry.entryId);
        // One line per payment fact, under the payment's own correlation id: the trace of an
        // order shows its ledger write (the batch's metrics line belongs to no one order).
        logger.info(inserted ? 'Ledger entry recorded' : 'Ledger entry already recorded (repeat delivery)', {
          entryId: entry.entryId,
          kind: entry.kind,
          paymentId: entry.paymentId,
          orderId: entry.orderId,
        });
        if (entry.billingSkipped && inserted) {
          // Never a failure: the payment fact is recorded; only its billing record is missing.
          logger.warn('No billing record for this payment: customer data missing', {
            entryId: entry.entryId,
            kind: entry.kind,
            paymentId: entry.paymentId,
            orderId: entry.orderId,
            reason: entry.billingSkipped,
          });
          metrics.addMetric('BillingRecordSkipped', MetricUnit.Count, 1);
        }
      },
    });
    const response = await consume(event, context);
    // How far the ledger trails the payments queue: the oldest message of the batch.
    const sent = event.Records.map((r) => Number(r.attributes?.SentTimestamp)).filter(Number.isFinite);
    if (sent.length)
      metrics.addMetric('LedgerWriteLag', MetricUnit.Milliseconds, deps.now().getTime() - Math.min(...sent));
    metrics.addMetric('LedgerMessagesFailed', MetricUnit.Count, response.batchItemFailures.length);
    if (outboxIds.size) {
      try {
        const { published, failed } = await deps.publishOutbox([...outboxIds]);
        metrics.addMetric('EventsPublished', MetricUnit.Count, published);
        if (failed) logger.warn('Events left pending for the outbox relay', { failed });
      } catch (error) {
        // The ledger rows are committed: acknowledging the messages is right; the relay
        // publishes these outbox rows later.
        logger.error('Publishing after commit failed; the outbox relay will retry', {
          error: describeError(error),
        });
      }
    }
    return response;
  };
}

const pool = () => getPool();
const events = outboxPublisher({
  busName: requireEnv('EVENT_BUS_NAME'),
  billingTopicArn: requireEnv('BILLING_TOPIC_ARN'),
});

export const handler = withObservability(
  makeHandler({
    recordEntries: buildRecordEntries(pool),
    publishOutbox: buildPublishOutbox(pool, events),
    deadLetter: buildDeadLetter(awsClient(SQSClient), requireEnv('PAYMENTS_DLQ_URL')),
    mode: (optionalEnv('WRITE_MODE') ?? 'batch') === 'single' ? 'single' : 'batch',
    now: () => new Date(),
  }),
);
