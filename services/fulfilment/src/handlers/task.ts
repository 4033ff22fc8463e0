/**
 * What every task shares: parse the router's FulfilLine v1, claim the line once
 * (`orderId#lineNo`), do the kind's work, record the outcome. A duplicate command finds
 * the line fulfilled and does nothing (it is counted on the line). Errors are thrown:
 * Lambda retries the asynchronous invocation, then the task's on-failure destination
 * keeps the command with the error.
 */
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { logger, setCorrelationId } from '@order-platform/shared/observability';
import { fulfilLineV1, type FulfilLineV1 } from '../domain/fulfilment';
import type { FulfilmentStore } from '../domain/ports';

export function taskHandler(
  kind: string,
  deps: { store: FulfilmentStore; now?: () => Date },
  work: (line: FulfilLineV1, now: Date) => Promise<void>,
) {
  const now = deps.now ?? (() => new Date());
  return async (payload: unknown) => {
    const { event } = parseEnvelope(payload, [fulfilLineV1]);
    setCorrelationId(event.metadata.correlationId);
    const line = event.data;
    if (line.kind !== kind) throw new Error(`The ${kind} task was sent a ${line.kind} line`);
    const claim = await deps.store.claim(line, now());
    if (claim === 'done') {
      logger.info('Line already fulfilled, nothing done', { key: event.metadata.idempotencyKey });
      return { key: event.metadata.idempotencyKey, outcome: 'duplicate' as const };
    }
    try {
      await work(line, now());
    } catch (error) {
      // The customer's view says why the line is still waiting; Lambda retries, then the
      // failure destination keeps the command.
      const e = error as Error;
      await deps.store
        .attemptFailed(line, `${e.name}: ${e.message}`, now())
        .catch((noted: unknown) =>
          logger.warn('Could not note the failed attempt', { error: noted as Error }),
        );
      throw error;
    }
    logger.info('Line fulfilled', { key: event.metadata.idempotencyKey, kind, claim });
    return { key: event.metadata.idempotencyKey, outcome: 'fulfilled' as const };
  };
}
