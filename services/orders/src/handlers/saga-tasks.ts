/**
 * The order saga's own Task states (P03): plain JSON in, JSON out, typed errors out.
 * Step Functions matches Retry/Catch on the error name, so every error a task throws on
 * purpose is a named class from domain/saga.ts.
 *
 * - begin:        claims the order for this execution (one saga per order even if
 *                 OrderPlaced is delivered twice) and validates it.
 * - transition:   moves the order's status with a conditional write.
 * - recordedOutcome: the payment outcome recorded on the order (read when the payment
 *                 wait timed out: the outcome may have arrived without reaching the wait).
 *
 * The payment wait's task is saga-await-payment.ts: it alone needs the Step Functions
 * client, so it is kept out of these two bundles.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { logger, withObservability } from '@order-platform/shared/observability';
import { orderTotal } from '../domain/order';
import { InvalidOrderError, OrderCancelledError, failureReason, type SagaTarget } from '../domain/saga';
import { documentClient } from '../adapters/orders-table';
import {
  buildClaimSaga,
  buildReadPaymentOutcome,
  buildTransitionOrder,
  type ClaimSaga,
  type ReadPaymentOutcome,
  type TransitionOrder,
} from '../adapters/saga-store';

export interface BeginInput {
  orderId: string;
  executionId: string;
  correlationId?: string;
}

export function makeBegin(claim: ClaimSaga) {
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

export function makeTransition(transition: TransitionOrder, now: () => Date = () => new Date()) {
  return async (input: TransitionTaskInput) => {
    const order = await transition({
      orderId: input.orderId,
      to: input.to,
      correlationId: input.correlationId ?? 'saga',
      now: now(),
      ...(input.reason ? { reason: failureReason(input.reason, input.cause) } : {}),
      ...(input.paymentId ? { paymentId: input.paymentId } : {}),
    });
    logger.info('Order status', { orderId: order.orderId, status: order.status });
    return { orderId: order.orderId, status: order.status };
  };
}

export function makeRecordedOutcome(read: ReadPaymentOutcome) {
  return async (input: { orderId: string }) => {
    const outcome = await read(input.orderId);
    logger.info('Payment outcome recorded on the order', { orderId: input.orderId, outcome });
    return outcome ? { outcome: outcome.status, paymentId: outcome.paymentId } : { outcome: 'NONE' as const };
  };
}

const config = loadConfig(['TABLE_NAME']);
const doc = documentClient(awsClient(DynamoDBClient));

type Task<I, O> = (input: I, context: Context) => Promise<O>;
const wrap = <I, O>(fn: (input: I) => Promise<O>): Task<I, O> =>
  withObservability(fn) as unknown as Task<I, O>;

export const begin = wrap(makeBegin(buildClaimSaga(doc, config.TABLE_NAME)));
export const transition = wrap(makeTransition(buildTransitionOrder(doc, config.TABLE_NAME)));
export const recordedOutcome = wrap(makeRecordedOutcome(buildReadPaymentOutcome(doc, config.TABLE_NAME)));
