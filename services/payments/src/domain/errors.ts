/**
 * The payments service's typed errors. The Node.js runtime reports a thrown error with
 * `errorType` = its class name: that is what the saga's Retry/Catch `ErrorEquals` match.
 *
 * | errorType                   | kind      | meaning                                                        |
 * |-----------------------------|-----------|----------------------------------------------------------------|
 * | PaymentDeclinedError        | permanent | the provider declined the charge (card, funds, fraud)          |
 * | ChargeConflictError         | permanent | this order was already charged with another amount/currency    |
 * | PaymentRequestRejectedError | permanent | the provider refused the request itself (4xx): a bug, not load |
 * | ValidationError             | permanent | the input does not match the contract                          |
 * | ProviderUnavailableError    | transient | the request provably did not move money: 429, 503, a rejected  |
 * |                             |           | API key, or a connection that never opened (refused, DNS, TLS) |
 * | PaymentOutcomeUnknownError  | transient | the request may have been processed and its answer was lost:  |
 * |                             |           | a timeout, a connection lost mid-call, 500/502/504, unreadable |
 * |                             |           | answers. Never "not charged": the saga resolves it (lookup +   |
 * |                             |           | refund of whatever exists) instead of only releasing stock.    |
 * | CircuitOpenError            | transient | the breaker is open: no call was made; retry after a back-off  |
 *
 * Three classes of charge failure, and what resolves each: declined (nothing to undo),
 * not charged (release the stock), unknown (look the charge up, refund what was captured).
 */
import { ValidationError } from '@order-platform/shared/errors';
import { CircuitOpenError } from './circuit-breaker';

export { CircuitOpenError, ValidationError };

export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
  constructor(
    readonly reason: string,
    readonly paymentId?: string,
  ) {
    super(`Payment declined: ${reason}`);
  }
}

export type UnavailableCause = 'not-sent' | 'unavailable' | 'rate-limited' | 'unauthorized';

export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
  constructor(
    readonly kind: UnavailableCause,
    message: string,
  ) {
    super(message);
  }
}

export type UnknownOutcomeCause =
  | 'timeout'
  | 'connection-lost'
  | 'server-error'
  | 'unreadable-answer'
  /** This call moved nothing, but an earlier attempt for the same charge may have. */
  | 'earlier-attempt';

/**
 * The provider may have acted on the request, but its answer never arrived. Retrying with
 * the same Idempotency-Key is safe (the provider answers with the first result); giving up
 * is not the same as "nothing happened".
 */
export class PaymentOutcomeUnknownError extends Error {
  override name = 'PaymentOutcomeUnknownError';
  constructor(
    readonly kind: UnknownOutcomeCause,
    message: string,
  ) {
    super(message);
  }
}

/** What the circuit breaker counts against the provider (a decline means it is healthy). */
export function isProviderFailure(error: unknown): boolean {
  return error instanceof ProviderUnavailableError || error instanceof PaymentOutcomeUnknownError;
}

export class PaymentRequestRejectedError extends Error {
  override name = 'PaymentRequestRejectedError';
}

export class ChargeConflictError extends Error {
  override name = 'ChargeConflictError';
}

/** Provider answer to a refund of a charge that never succeeded; handled inside refundPayment. */
export class ChargeNotRefundableError extends Error {
  override name = 'ChargeNotRefundableError';
}

export const SAGA_ERROR_TYPES = {
  permanent: [
    'PaymentDeclinedError',
    'ChargeConflictError',
    'PaymentRequestRejectedError',
    'ValidationError',
  ],
  transient: ['ProviderUnavailableError', 'PaymentOutcomeUnknownError', 'CircuitOpenError'],
} as const;
