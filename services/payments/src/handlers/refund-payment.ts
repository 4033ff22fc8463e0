/**
 * refundPayment (saga compensation "refund"). Idempotent: refunding an order twice
 * refunds once (one provider refund per payment, keyed `refund-<paymentId>`).
 *
 * in:  { orderId, reason? }
 * out: { orderId, status: 'REFUNDED' | 'NOTHING_TO_REFUND', refund?: { refundId, paymentId, amount, currency } }
 * errors (errorType): ValidationError, PaymentRequestRejectedError (permanent);
 *   ProviderUnavailableError, CircuitOpenError (transient: the saga retries).
 */
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { refundInputSchema, refundPayment, type RefundResult } from '../domain/payments';
import { logFailure, paymentDeps } from './deps';

export function makeHandler(refund: ReturnType<typeof refundPayment>) {
  return async (event: unknown): Promise<RefundResult> => {
    const input = validate(refundInputSchema, event, 'refundPayment input');
    const result = await refund(input).catch((error: unknown) =>
      logFailure('refundPayment', input.orderId, error),
    );
    logger.info('Refund', {
      orderId: result.orderId,
      status: result.status,
      refundId: result.refund?.refundId,
      reason: input.reason,
    });
    return result;
  };
}

export const handler = withObservability(makeHandler(refundPayment(paymentDeps())));
