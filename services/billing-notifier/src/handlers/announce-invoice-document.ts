/**
 * The distributed trigger (P14): S3 tells this function (asynchronously) that an object
 * was created in an invoicing bucket; each invoice document becomes one
 * InvoiceDocumentStored message on the service-private billing-ops topic, and the
 * services that care get it through their own subscribed queues.
 *
 * - No recursion: the function writes to SNS only (it has no S3 write permission), and
 *   only the invoices/ prefix triggers it.
 * - At least once: S3 and Lambda's async retries can repeat an event; the message's
 *   idempotency key (bucket/key@etag) lets subscribers deduplicate.
 * - A failure throws: Lambda retries (maximumRetryAttempts), then the on-failure
 *   destination keeps the event (P27).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { logger, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import { announcementFor, type StoredObject } from '../domain/document-announcement';
import type { PublishBillingRecord } from '../domain/ports';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';

export interface AnnounceDeps {
  publish: PublishBillingRecord;
  prefix: string;
}

const storedObject = (r: S3EventRecord): StoredObject => ({
  bucket: r.s3.bucket.name,
  rawKey: r.s3.object.key,
  size: r.s3.object.size ?? 0,
  etag: r.s3.object.eTag ?? r.s3.object.sequencer ?? 'unknown',
  eventName: r.eventName,
  eventTime: r.eventTime,
});

export function makeHandler(deps: AnnounceDeps) {
  return async (event: S3Event): Promise<{ announced: number; ignored: number }> => {
    let announced = 0;
    let ignored = 0;
    for (const record of event.Records ?? []) {
      // S3 carries no correlation id of ours; its request id is the next best thread to pull.
      const correlationId = setCorrelationId(record.responseElements?.['x-amz-request-id']);
      const announcement = announcementFor(storedObject(record), deps.prefix, correlationId);
      if (!announcement) {
        ignored++;
        logger.warn('Ignored an object outside the invoice documents prefix', {
          bucket: record.s3.bucket.name,
          key: record.s3.object.key,
        });
        continue;
      }
      await deps.publish(announcement);
      announced++;
      logger.info('Announced invoice document', {
        document: announcement.data.document,
        idempotencyKey: announcement.metadata.idempotencyKey,
      });
    }
    return { announced, ignored };
  };
}

const cfg = loadConfig(['OPS_TOPIC_ARN', 'DOCUMENT_PREFIX']);

export const handler = withObservability(
  makeHandler({
    publish: buildPublishBillingRecord(awsClient(SNSClient), cfg.OPS_TOPIC_ARN),
    prefix: cfg.DOCUMENT_PREFIX,
  }),
);
