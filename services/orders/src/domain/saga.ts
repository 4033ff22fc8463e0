/**
 * The orders side of the order saga (P03). The workflow itself is the Step Functions
 * state machine in serverless.yml; these are the rules its order-status tasks enforce.
 *
 *   PLACED ──reserve──▶ RESERVED ──charge──▶ PAYMENT_PENDING ──confirmed──▶ CONFIRMED
 *      │                   │                       │
 *      └───────────────────┴────── failure ────────┴──▶ FAILED     (after compensation)
 *   customer cancel from any of the three ─────────────▶ CANCELLED (saga compensates)
 *
 * Every transition is a conditional write, so the saga and a customer's cancel can race
 * safely: whichever write lands first wins and the other sees why.
 */
import type { OrderStatus } from './order';
import type { PaymentOutcome, TaskOutcome } from './ports';

/** Step Functions matches Catch/Retry on `error.name`; these names are part of the ASL. */
export class OrderCancelledError extends Error {
  override name = 'OrderCancelledError';
}
export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}
export class DuplicateSagaError extends Error {
  override name = 'DuplicateSagaError';
}
export class InvalidOrderError extends Error {
  override name = 'InvalidOrderError';
}
export class PaymentFailedError extends Error {
  override name = 'PaymentFailedError';
}
export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError';
}
/** Step Functions did not take a resume (SendTaskSuccess failed): the state retries. */
export class SagaResumeError extends Error {
  override name = 'SagaResumeError';
}

export type SagaTarget = 'RESERVED' | 'PAYMENT_PENDING' | 'CONFIRMED' | 'FAILED';

/** Where each saga transition may start from. */
export const TRANSITIONS: Record<SagaTarget, readonly OrderStatus[]> = {
  RESERVED: ['PLACED'],
  PAYMENT_PENDING: ['RESERVED'],
  CONFIRMED: ['PAYMENT_PENDING'],
  FAILED: ['PLACED', 'RESERVED', 'PAYMENT_PENDING'],
};

export type TransitionOutcome =
  | { kind: 'applied' }
  | { kind: 'already' }
  | { kind: 'cancelled' }
  | { kind: 'invalid'; current: OrderStatus };

/**
 * What a failed conditional write means, given the status the order actually has.
 * A retried task whose first attempt did land sees `already` and succeeds (idempotent).
 */
export function explainRejectedTransition(to: SagaTarget, current: OrderStatus): TransitionOutcome {
  if (current === to) return { kind: 'already' };
  // Compensation ends by marking the order FAILED; a customer's cancel got there first
  // and is the truer ending, so it stands.
  if (to === 'FAILED' && current === 'CANCELLED') return { kind: 'already' };
  if (current === 'CANCELLED') return { kind: 'cancelled' };
  return { kind: 'invalid', current };
}

/** The task-token failure the saga sees when a customer cancels while it waits for payment. */
export const ORDER_CANCELLED_ERROR = 'OrderCancelledError';
/** The task-token failure the saga sees when the provider reports a failed payment. */
export const PAYMENT_FAILED_ERROR = 'PaymentFailedError';

/** How a recorded payment outcome resumes the saga's wait: its output, or PaymentFailedError. */
export function outcomeForTask(outcome: PaymentOutcome): TaskOutcome {
  return outcome.status === 'SUCCEEDED'
    ? { success: { paymentId: outcome.paymentId, status: 'SUCCEEDED' } }
    : { error: PAYMENT_FAILED_ERROR, cause: outcome.reason };
}

/**
 * The order's statusReason for a failure the saga caught: the error's name, then what it
 * said, e.g. `PaymentDeclinedError: Payment declined: card_declined`. A Lambda error's
 * Cause is JSON carrying `errorMessage`; other causes are plain text. The name comes
 * first so a reader (or a check) can match on it.
 */
export function failureReason(error: string, cause?: string): string {
  let message = cause?.trim() ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  const text = message && message !== error ? `${error}: ${message}` : error;
  return text.slice(0, 500);
}
