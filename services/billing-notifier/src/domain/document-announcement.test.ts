import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { invoiceDocumentStoredV1 } from '@order-platform/shared/events/billing/index';
import { announcementFor, decodeS3Key, type StoredObject } from './document-announcement';

const object = (over: Partial<StoredObject> = {}): StoredObject => ({
  bucket: 'op-invoicing-dev-123456789012-us-east-1',
  rawKey: 'invoices/2026/inv_0123456789abcdef01234567.json',
  size: 321,
  etag: '"9b2cf535f27731c974343645a3985328"',
  eventName: 'ObjectCreated:Put',
  eventTime: '2026-11-20T10:16:01.123Z',
  ...over,
});

describe('announcementFor (the distributed trigger decision, P14)', () => {
  it('announces a new invoice document as InvoiceDocumentStored v1, keyed by object and content', () => {
    const a = announcementFor(object(), 'invoices/', 'corr-1')!;
    expect(parseEnvelope(JSON.parse(JSON.stringify(a)), [invoiceDocumentStoredV1]).event.data).toEqual({
      document: {
        bucket: 'op-invoicing-dev-123456789012-us-east-1',
        key: 'invoices/2026/inv_0123456789abcdef01234567.json',
      },
      size: 321,
      etag: '9b2cf535f27731c974343645a3985328',
      storedAt: '2026-11-20T10:16:01.123Z',
    });
    expect(a.metadata.idempotencyKey).toBe(
      'document:op-invoicing-dev-123456789012-us-east-1/invoices/2026/inv_0123456789abcdef01234567.json@9b2cf535f27731c974343645a3985328',
    );
    expect(a.metadata.correlationId).toBe('corr-1');
  });

  it('ignores other prefixes, folder markers and non-creation events (no recursion, no noise)', () => {
    expect(
      announcementFor(object({ rawKey: 'exports/2026-11-20/x.json' }), 'invoices/', 'c'),
    ).toBeUndefined();
    expect(announcementFor(object({ rawKey: 'drafts/invoices/x.json' }), 'invoices/', 'c')).toBeUndefined();
    expect(announcementFor(object({ rawKey: 'invoices/2026/' }), 'invoices/', 'c')).toBeUndefined();
    expect(announcementFor(object({ eventName: 'ObjectRemoved:Delete' }), 'invoices/', 'c')).toBeUndefined();
  });

  it('decodes S3 event keys (URL-encoded, + for space)', () => {
    expect(decodeS3Key('invoices/2026/credit+note%3A1.json')).toBe('invoices/2026/credit note:1.json');
    expect(
      announcementFor(object({ rawKey: 'invoices/a+b.json' }), 'invoices/', 'c')!.data.document.key,
    ).toBe('invoices/a b.json');
  });

  it('the same object announced twice carries the same key (subscribers deduplicate)', () => {
    expect(announcementFor(object(), 'invoices/', 'a')!.metadata.idempotencyKey).toBe(
      announcementFor(object(), 'invoices/', 'b')!.metadata.idempotencyKey,
    );
  });
});
