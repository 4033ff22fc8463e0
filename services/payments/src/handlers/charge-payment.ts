/**
 * chargePayment (saga step "charge"): JSON in, JSON out.
 *
 * in:  { orderId, amount (minor units), currency, customerId, taskToken? }
 * out: { orderId, paymentId, status: 'PENDING' }  (the provider confirms later by webhook)
 * errors (errorType): PaymentDeclinedError, ChargeConflictError, PaymentRequestRejectedError,
 *   ValidationError (permanent); ProviderUnavailableError, CircuitOpenError (transient).
 * Idempotent per order: a repeat returns the same paymentId without a second charge.
 */
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { chargeInputSchema, chargePayment, type ChargeResult } from '../domain/payments';
import { logFailure, paymentDeps } from './deps';

export function makeHandler(charge: ReturnType<typeof chargePayment>) {
  return async (event: unknown): Promise<ChargeResult> => {
    const input = validate(chargeInputSchema, event, 'chargePayment input');
    const result = await charge(input).catch((error: unknown) =>
      logFailure('chargePayment', input.orderId, error),
    );
    logger.info('Charge accepted', { orderId: result.orderId, paymentId: result.paymentId });
    return result;
  };
}

export const handler = withObservability(makeHandler(chargePayment(paymentDeps())));
