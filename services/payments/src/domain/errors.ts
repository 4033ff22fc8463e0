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
 * | ProviderUnavailableError    | transient | provider 5xx, 429, timeout, network, or rejected API key       |
 * | CircuitOpenError            | transient | the breaker is open: no call was made; retry after a back-off  |
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

export type UnavailableCause = 'timeout' | 'network' | 'server-error' | 'rate-limited' | 'unauthorized';

export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
  constructor(
    readonly kind: UnavailableCause,
    message: string,
  ) {
    super(message);
  }
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
  transient: ['ProviderUnavailableError', 'CircuitOpenError'],
} as const;
