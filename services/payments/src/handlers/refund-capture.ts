/**
 * refundCapture (internal API for the payments reconciler, P09): refund one capture, or
 * part of it, under the key the reconciler derives from its finding. A whole capture is
 * refunded under `refund-<paymentId>`, the key the saga's compensation uses too, so the
 * two can never refund the same money twice.
 *
 * in:  { orderId, paymentId, amount, currency, idempotencyKey: 'refund-…', reason }
 * out: { orderId, status: 'REFUNDED' | 'NOTHING_TO_REFUND', refund? }
 * errors (errorType): ValidationError, PaymentRequestRejectedError (permanent);
 *   ProviderUnavailableError, PaymentOutcomeUnknownError, CircuitOpenError (transient).
 */
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { refundCapture, refundCaptureInputSchema, type RefundResult } from '../domain/payments';
import { logFailure, paymentDeps } from './deps';

export function makeHandler(refund: ReturnType<typeof refundCapture>) {
  return async (event: unknown): Promise<RefundResult> => {
    const input = validate(refundCaptureInputSchema, event, 'refundCapture input');
    const result = await refund(input).catch((error: unknown) =>
      logFailure('refundCapture', input.orderId, error),
    );
    logger.info('Capture refund', {
      orderId: input.orderId,
      paymentId: input.paymentId,
      key: input.idempotencyKey,
      status: result.status,
      reason: input.reason,
    });
    return result;
  };
}

export const handler = withObservability(makeHandler(refundCapture(paymentDeps())));
