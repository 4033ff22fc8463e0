import { describe, expect, it } from 'vitest';
import {
  sampleInvoiceDocumentStored,
  samplePaymentCaptured,
  sampleRefundIssued,
} from '@order-platform/shared/events/billing/samples';
import { exportLineFor, objectNameFor } from './export-line';

describe('exportLineFor (natural idempotency, X1)', () => {
  it('files a record under the day it happened, named by its idempotency key', () => {
    const record = samplePaymentCaptured({ paymentId: 'pay_abc', capturedAt: '2026-11-20T23:59:59.000Z' });
    const line = exportLineFor(record);
    expect(line.key).toMatch(/^exports\/2026-11-20\/payment_pay_abc_captured-[0-9a-f]{10}\.json$/);
    expect(JSON.parse(line.body)).toMatchObject({
      recordType: 'PaymentCaptured',
      version: 1,
      idempotencyKey: 'payment:pay_abc:captured',
      data: record.data,
    });
  });

  it('the same record always gives the same key and the same bytes (a redelivery rewrites nothing new)', () => {
    const record = sampleRefundIssued();
    expect(exportLineFor(JSON.parse(JSON.stringify(record)))).toEqual(exportLineFor(record));
  });

  it('keys with slashes stay one object (no accidental folders) and never collide', () => {
    const doc = sampleInvoiceDocumentStored();
    expect(exportLineFor(doc).key.split('/')).toHaveLength(3);
    expect(objectNameFor('a:b')).not.toBe(objectNameFor('a_b'));
    expect(objectNameFor('plain-key_1.0')).toBe('plain-key_1.0');
  });
});
