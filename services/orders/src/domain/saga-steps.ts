/**
 * The order saga's own steps (P03), as application functions over the saga's ports
 * (domain/ports.ts): plain JSON in, JSON out, the named errors of saga.ts out (Step
 * Functions matches Retry/Catch on the error name). handlers/saga-tasks.ts and
 * handlers/saga-await-payment.ts adapt them to Lambda.
 *
 * - beginSaga:        claims the order for this execution (one saga per order even if
 *                     OrderPlaced is delivered twice) and validates it.
 * - transitionOrder:  moves the order's status with a conditional write.
 * - recordedOutcome:  the payment outcome recorded on the order (read when the payment
 *                     wait timed out: the outcome may have arrived without reaching the wait).
 * - awaitPayment:     stores the wait's token, or resumes at once with the outcome that
 *                     got there first (adapters/task-tokens.ts explains the race).
 */
import { orderTotal } from './order';
import type { ClaimSaga, ReadPaymentOutcome, SendToTask, StoreTaskToken, TransitionOrder } from './ports';
import {
  InvalidOrderError,
  OrderCancelledError,
  PaymentFailedError,
  SagaResumeError,
  failureReason,
  outcomeForTask,
  type SagaTarget,
} from './saga';

export interface BeginInput {
  orderId: string;
  executionId: string;
  correlationId?: string;
}

export function beginSaga(claim: ClaimSaga) {
  return async (input: BeginInput) => {
    const order = await claim(input.orderId, input.executionId);
    if (order.status === 'CANCELLED')
      throw new OrderCancelledError(`Order ${order.orderId} was cancelled before the saga began`);
    if (order.lines.length === 0 || order.total !== orderTotal(order.lines)) {
      throw new InvalidOrderError(`Order ${order.orderId} is inconsistent (lines/total)`);
    }
    return {
      orderId: order.orderId,
      customerId: order.customerId,
      // Always present (null when unknown): the ASL's JSONPath fails on a missing key.
      customerEmail: order.customerEmail ?? null,
      lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      total: order.total,
      currency: order.currency,
      correlationId: input.correlationId ?? order.correlationId,
    };
  };
}

export interface TransitionTaskInput {
  orderId: string;
  to: SagaTarget;
  /** The error name the saga caught (Catch's Error) ... */
  reason?: string;
  /** ... and its Cause: a Lambda error's JSON, or a plain message. */
  cause?: string;
  paymentId?: string;
  correlationId?: string;
}

export function transitionOrder(transition: TransitionOrder, now: () => Date = () => new Date()) {
  return async (input: TransitionTaskInput) => {
    const order = await transition({
      orderId: input.orderId,
      to: input.to,
      correlationId: input.correlationId ?? 'saga',
      now: now(),
      ...(input.reason ? { reason: failureReason(input.reason, input.cause) } : {}),
      ...(input.paymentId ? { paymentId: input.paymentId } : {}),
    });
    return { orderId: order.orderId, status: order.status };
  };
}

export function recordedOutcome(read: ReadPaymentOutcome) {
  return async (input: { orderId: string }) => {
    const outcome = await read(input.orderId);
    return outcome ? { outcome: outcome.status, paymentId: outcome.paymentId } : { outcome: 'NONE' as const };
  };
}

/**
 * The `.waitForTaskToken` task: stores the token on the order (only while it is
 * PAYMENT_PENDING) so the payment outcome can resume the saga. If the outcome got here
 * first, resume at once: a failure by throwing (the task fails with that error), a
 * success through the task API (the only way to complete a callback task successfully).
 */
export function awaitPayment(store: StoreTaskToken, send: SendToTask) {
  return async (input: { orderId: string; taskToken: string }) => {
    const result = await store(input.orderId, input.taskToken);
    if (result.stored) return { orderId: input.orderId, waiting: true };
    const outcome = outcomeForTask(result.outcome);
    if ('error' in outcome) throw new PaymentFailedError(outcome.cause);
    try {
      await send(input.taskToken, outcome);
    } catch (error) {
      // Retried by the state (Retry on SagaResumeError): the outcome stays recorded.
      throw new SagaResumeError(`Could not resume with the recorded outcome: ${(error as Error).message}`);
    }
    return { orderId: input.orderId, waiting: false };
  };
}
