import { describe, expect, it } from 'vitest';
import { PermanentError, UnsupportedEventVersionError } from '@order-platform/shared/errors';
import {
  sampleOrderCancelled,
  sampleOrderConfirmed,
  sampleOrderPlaced,
} from '@order-platform/shared/events/orders/samples';
import { namespacesForEvent } from './invalidation';

// The producer's samples (shared/src/events/orders/samples.ts): the consumer reads what is sent.

describe('namespacesForEvent', () => {
  it('maps OrderConfirmed and OrderCancelled v1 to the sales and customer namespaces', () => {
    const confirmed = sampleOrderConfirmed({ customerId: 'alice' });
    const cancelled = sampleOrderCancelled({ customerId: 'bob' });
    expect(namespacesForEvent(confirmed).namespaces).toEqual(['sales', 'customer:alice']);
    expect(namespacesForEvent(cancelled).namespaces).toEqual(['sales', 'customer:bob']);
  });

  it('rejects undeclared versions and other events clearly (X4)', () => {
    const confirmed = sampleOrderConfirmed();
    const v2 = { ...confirmed, metadata: { ...confirmed.metadata, version: 2 } };
    const placed = sampleOrderPlaced();
    expect(() => namespacesForEvent(v2)).toThrow(UnsupportedEventVersionError);
    expect(() => namespacesForEvent(placed)).toThrow(PermanentError);
  });
});
