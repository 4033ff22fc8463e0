import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '@order-platform/shared/events/envelope';

process.env.OPS_TOPIC_ARN ??= 'arn:aws:sns:us-east-1:123456789012:ops';
process.env.DOCUMENT_PREFIX ??= 'invoices/';
const { makeHandler } = await import('./announce-invoice-document');

const s3Event = (...keys: string[]): S3Event =>
  ({
    Records: keys.map((key, i) => ({
      eventName: 'ObjectCreated:Put',
      eventTime: '2026-11-20T10:16:01.000Z',
      responseElements: { 'x-amz-request-id': `req-${i}`, 'x-amz-id-2': 'x' },
      s3: {
        bucket: { name: 'op-invoicing-dev-123456789012-us-east-1' },
        object: { key, size: 10, eTag: `etag${i}`, sequencer: '00' },
      },
    })),
  }) as unknown as S3Event;

describe('announceInvoiceDocument handler', () => {
  it('publishes one announcement per invoice document and skips the rest', async () => {
    const published: Envelope<unknown>[] = [];
    const handler = makeHandler({ prefix: 'invoices/', publish: async (r) => (published.push(r), 'id') });
    const out = await handler(s3Event('invoices/2026/a.json', 'exports/x.json', 'invoices/2026/b.json'));
    expect(out).toEqual({ announced: 2, ignored: 1 });
    expect(published.map((p) => (p.data as { document: { key: string } }).document.key)).toEqual([
      'invoices/2026/a.json',
      'invoices/2026/b.json',
    ]);
    expect(published[0]!.metadata.correlationId).toBe('req-0');
  });

  it('throws when publishing fails, so Lambda retries and then uses the on-failure destination', async () => {
    const handler = makeHandler({
      prefix: 'invoices/',
      publish: async () => Promise.reject(new Error('SNS down')),
    });
    await expect(handler(s3Event('invoices/2026/a.json'))).rejects.toThrow('SNS down');
  });
});
