/**
 * The distributed trigger's decision (P14), pure: which stored objects are invoice
 * documents worth announcing, and what the announcement says.
 */
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import {
  invoiceDocumentStoredV1,
  type InvoiceDocumentStoredV1,
} from '@order-platform/shared/events/billing/index';

/** What an S3 ObjectCreated notification tells about one object (key as S3 sends it: URL-encoded). */
export interface StoredObject {
  bucket: string;
  rawKey: string;
  size: number;
  etag: string;
  eventName: string;
  eventTime: string;
}

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function decodeS3Key(rawKey: string): string {
  return decodeURIComponent(rawKey.replace(/\+/g, ' '));
}

/**
 * The announcement for one stored object, or undefined when the object is not a new
 * invoice document (another prefix, a folder marker, a deletion). The bucket notification
 * already filters on the prefix; checking again keeps a misconfigured notification from
 * announcing (or, worse, looping on) objects this trigger was never meant for.
 */
export function announcementFor(
  object: StoredObject,
  prefix: string,
  correlationId: string,
): Envelope<InvoiceDocumentStoredV1> | undefined {
  if (!object.eventName.startsWith('ObjectCreated:')) return undefined;
  const key = decodeS3Key(object.rawKey);
  if (!key.startsWith(prefix) || key.endsWith('/')) return undefined;
  const etag = object.etag.replace(/"/g, '');
  return envelope(
    invoiceDocumentStoredV1,
    {
      document: { bucket: object.bucket, key },
      size: object.size,
      etag,
      storedAt: new Date(object.eventTime).toISOString(),
    },
    {
      correlationId,
      idempotencyKey: `document:${object.bucket}/${key}@${etag}`,
      occurredAt: new Date(object.eventTime).toISOString(),
    },
  );
}
