/**
 * The billing notifier's contract (P12, X4): the same sample records the producers'
 * and the consumers' tests use parse under the contracts that declare them, attributes
 * mirror the envelope, and an undeclared version is refused clearly.
 */
import { describe, expect, it } from 'vitest';
import { PermanentError, UnsupportedEventVersionError } from '../../errors';
import { parseEnvelope } from '../envelope';
import {
  billingMessageAttributes,
  billingRecordContracts,
  filterPolicyFor,
  invoiceDocumentStoredV1,
  invoiceIssuedV1,
  paymentCapturedV1,
  refundIssuedV1,
  sendOrderConfirmationV1,
} from './index';
import {
  sampleInvoiceDocumentStored,
  sampleInvoiceIssued,
  samplePaymentCaptured,
  sampleRefundIssued,
  sampleSendOrderConfirmation,
} from './samples';

const roundTrip = (e: unknown) => JSON.parse(JSON.stringify(e));

describe('billing record contracts', () => {
  it.each([
    ['PaymentCaptured', samplePaymentCaptured(), paymentCapturedV1],
    ['RefundIssued', sampleRefundIssued(), refundIssuedV1],
    ['InvoiceIssued', sampleInvoiceIssued(), invoiceIssuedV1],
  ] as const)('%s v1 round-trips through JSON and parses as its contract', (type, record, contract) => {
    const parsed = parseEnvelope(roundTrip(record), billingRecordContracts);
    expect(parsed.contract).toBe(contract);
    expect(parsed.event.metadata).toMatchObject({
      eventType: type,
      version: 1,
      source: 'order-platform.billing',
    });
    expect(parsed.event.data).toEqual(record.data);
  });

  it('the private and handoff contracts parse too', () => {
    expect(parseEnvelope(roundTrip(sampleInvoiceDocumentStored()), [invoiceDocumentStoredV1]).contract).toBe(
      invoiceDocumentStoredV1,
    );
    expect(parseEnvelope(roundTrip(sampleSendOrderConfirmation()), [sendOrderConfirmationV1]).contract).toBe(
      sendOrderConfirmationV1,
    );
  });

  it('SendOrderConfirmation v1 may carry the order customer email (optional, validated when present)', () => {
    const withEmail = roundTrip(sampleSendOrderConfirmation({ customerEmail: 'ada@example.com' }));
    expect(parseEnvelope(withEmail, [sendOrderConfirmationV1]).event.data).toMatchObject({
      customerEmail: 'ada@example.com',
    });
    const without = roundTrip(sampleSendOrderConfirmation());
    expect(parseEnvelope(without, [sendOrderConfirmationV1]).event.data).not.toHaveProperty('customerEmail');
    withEmail.data.customerEmail = 'nope';
    expect(() => parseEnvelope(withEmail, [sendOrderConfirmationV1])).toThrow(/customerEmail/);
  });

  it('rejects an undeclared version with UnsupportedEventVersionError, naming what is accepted (X4)', () => {
    const v2 = roundTrip(samplePaymentCaptured());
    v2.metadata.version = 2;
    expect(() => parseEnvelope(v2, billingRecordContracts)).toThrow(UnsupportedEventVersionError);
    expect(() => parseEnvelope(v2, billingRecordContracts)).toThrow(
      /PaymentCaptured v2 is not supported; accepted: v1/,
    );
  });

  it('rejects a type the consumer did not declare, and data that breaks the contract', () => {
    expect(() => parseEnvelope(roundTrip(sampleRefundIssued()), [paymentCapturedV1])).toThrow(PermanentError);
    const bad = roundTrip(samplePaymentCaptured());
    bad.data.amount = -5;
    bad.data.customerEmail = 'not-an-address';
    expect(() => parseEnvelope(bad, billingRecordContracts)).toThrow(
      /amount.*customerEmail|customerEmail.*amount/s,
    );
  });

  it('producers cannot even build an invalid record (envelope() validates data)', () => {
    expect(() => samplePaymentCaptured({ amount: 0 })).toThrow();
    expect(() => sampleInvoiceIssued({ invoiceId: 'INV-1' })).toThrow();
  });
});

describe('message attributes and filter policies', () => {
  it('every message carries recordType (String), version (Number) and the correlation id', () => {
    const record = samplePaymentCaptured({}, 'corr-42');
    expect(billingMessageAttributes(record.metadata)).toEqual({
      recordType: { DataType: 'String', StringValue: 'PaymentCaptured' },
      version: { DataType: 'Number', StringValue: '1' },
      correlationId: { DataType: 'String', StringValue: 'corr-42' },
    });
  });

  it('builds the filter policy a subscriber declares (exact numeric match on version)', () => {
    expect(filterPolicyFor([refundIssuedV1, paymentCapturedV1])).toEqual({
      recordType: ['PaymentCaptured', 'RefundIssued'],
      version: [{ numeric: ['=', 1] }],
    });
  });

  it('keys stay stable for the same fact (what subscribers deduplicate on)', () => {
    const a = samplePaymentCaptured({ paymentId: 'pay_same' });
    const b = samplePaymentCaptured({ paymentId: 'pay_same' });
    expect(a.metadata.idempotencyKey).toBe('payment:pay_same:captured');
    expect(b.metadata.idempotencyKey).toBe(a.metadata.idempotencyKey);
  });
});
