/**
 * The router (P16): OrderConfirmed v1 from the platform bus (EventBridge invokes it
 * asynchronously) -> one asynchronous Invoke per order line, to the task for the line's
 * product kind. The kinds it knows are its configuration (TASK_<KIND>_ARN): a line whose
 * kind has no task fails the invocation with a reason naming it, after the other lines
 * were dispatched, so Lambda's on-failure destination keeps the original event.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { optionalEnv } from '@order-platform/shared/config';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { orderConfirmedV1 } from '@order-platform/shared/events/orders';
import { logger, withObservability } from '@order-platform/shared/observability';
import { NoTaskForKindError, routeOrder, unroutableReason } from '../domain/fulfilment';
import type { InvokeTask } from '../domain/ports';
import { buildInvokeTask } from '../adapters/task-invoker';

export function makeHandler(deps: { tasks: Partial<Record<string, string>>; invokeTask: InvokeTask }) {
  return async (event: EventBridgeEvent<string, unknown>) => {
    const { event: confirmed } = parseEnvelope(event.detail, [orderConfirmedV1]);
    const { routed, unroutable } = routeOrder(confirmed, deps.tasks);
    await Promise.all(routed.map((r) => deps.invokeTask(r.task, r.command)));
    const orderId = confirmed.data.orderId;
    logger.info('Order lines routed', {
      orderId,
      routed: routed.map((r) => `${r.command.data.lineNo}:${r.command.data.kind}`),
    });
    if (unroutable.length) throw new NoTaskForKindError(unroutableReason(orderId, unroutable));
    return { orderId, routed: routed.length };
  };
}

/** The routing table: kind -> task function, from the stack (one variable per task). */
export function tasksFromEnv(): Partial<Record<string, string>> {
  const tasks: Partial<Record<string, string>> = {};
  for (const kind of ['physical', 'digital', 'giftcard']) {
    const arn = optionalEnv(`TASK_${kind.toUpperCase()}_ARN`);
    if (arn) tasks[kind] = arn;
  }
  return tasks;
}

export const handler = withObservability(
  makeHandler({ tasks: tasksFromEnv(), invokeTask: buildInvokeTask(awsClient(LambdaClient)) }),
);
