import { describe, expect, it } from 'vitest';
import { UnsupportedEventVersionError } from '../../errors';
import { parseEnvelope } from '../envelope';
import { paymentEventContracts } from './index';
import { samplePaymentFailed, samplePaymentRefundIssued, samplePaymentSucceeded } from './samples';

/** The samples shared by producer (webhook service) and consumers (saga, reporting): ./samples.ts. */
const samples = [samplePaymentSucceeded(), samplePaymentFailed(), samplePaymentRefundIssued()];

describe('payment event contracts v1', () => {
  it.each(samples.map((e) => [e.metadata.eventType, e] as const))(
    '%s round-trips through the envelope',
    (_type, sample) => {
      const { event } = parseEnvelope(JSON.parse(JSON.stringify(sample)), paymentEventContracts);
      expect(event).toEqual(sample);
      expect(event.metadata.source).toBe('order-platform.payments');
    },
  );

  it('rejects an undeclared version and bad money', () => {
    const sent = samplePaymentSucceeded();
    expect(() =>
      parseEnvelope({ ...sent, metadata: { ...sent.metadata, version: 2 } }, paymentEventContracts),
    ).toThrow(UnsupportedEventVersionError);
    // The samples build through envelope(), which parses: a bad field cannot be sent.
    expect(() => samplePaymentSucceeded({ amount: 9.99 })).toThrow();
    expect(() => samplePaymentSucceeded({ providerEventId: 'pay_x' })).toThrow();
  });
});
