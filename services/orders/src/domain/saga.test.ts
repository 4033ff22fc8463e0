import { describe, expect, it } from 'vitest';
import { TRANSITIONS, explainRejectedTransition, failureReason } from './saga';

describe('saga transitions', () => {
  it('only moves forward along the happy path, and fails from any open state', () => {
    expect(TRANSITIONS.RESERVED).toEqual(['PLACED']);
    expect(TRANSITIONS.CONFIRMED).toEqual(['PAYMENT_PENDING']);
    expect(TRANSITIONS.FAILED).not.toContain('CONFIRMED');
    expect(TRANSITIONS.FAILED).not.toContain('CANCELLED');
  });

  it('explains a rejected write: retried, cancelled by the customer, or out of order', () => {
    expect(explainRejectedTransition('RESERVED', 'RESERVED')).toEqual({ kind: 'already' });
    expect(explainRejectedTransition('PAYMENT_PENDING', 'CANCELLED')).toEqual({ kind: 'cancelled' });
    expect(explainRejectedTransition('CONFIRMED', 'FAILED')).toEqual({ kind: 'invalid', current: 'FAILED' });
    // compensation ending on an order the customer cancelled keeps CANCELLED
    expect(explainRejectedTransition('FAILED', 'CANCELLED')).toEqual({ kind: 'already' });
  });
});

describe('failureReason', () => {
  it('names the error first, then what it said (a Lambda error cause is JSON)', () => {
    const lambdaCause = JSON.stringify({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'Payment declined: card_declined',
    });
    expect(failureReason('PaymentDeclinedError', lambdaCause)).toBe(
      'PaymentDeclinedError: Payment declined: card_declined',
    );
    expect(failureReason('OrderCancelledError', 'changed my mind')).toBe(
      'OrderCancelledError: changed my mind',
    );
    expect(failureReason('States.Timeout', '')).toBe('States.Timeout');
    expect(failureReason('X', 'y'.repeat(600))).toHaveLength(500);
  });
});
