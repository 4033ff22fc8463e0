/**
 * OrderConfirmed / OrderCancelled (v1) from the platform bus -> new cache generations for
 * the sales reports and the customer's summary (P05). Redis down: the invocation fails
 * and Lambda's async retries (then the on-failure queue) take over; until then, the
 * reports' TTLs bound how stale a cached answer can be.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { PermanentError } from '@order-platform/shared/errors';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { namespacesForEvent } from '../domain/invalidation';
import type { CacheStore } from '../domain/ports';
import { platformCacheStore } from './composition';

export function makeHandler(deps: { store: CacheStore }) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<{ invalidated: string[] }> => {
    let target: ReturnType<typeof namespacesForEvent>;
    try {
      target = namespacesForEvent(event.detail);
    } catch (error) {
      if (!(error instanceof PermanentError)) throw error;
      // The rule lets only declared versions through; what still fails to parse is
      // logged and dropped, because retrying cannot fix it.
      logger.error('Rejected event', { error, detailType: event['detail-type'] });
      metrics.addMetric('RejectedEvents', MetricUnit.Count, 1);
      return { invalidated: [] };
    }
    await deps.store.bump(target.namespaces);
    logger.info('Cache invalidated', {
      eventType: target.eventType,
      customerId: target.customerId,
      namespaces: target.namespaces,
    });
    metrics.addMetric('CacheInvalidations', MetricUnit.Count, target.namespaces.length);
    return { invalidated: target.namespaces };
  };
}

export const handler = withObservability(makeHandler({ store: platformCacheStore() }));
