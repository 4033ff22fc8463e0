import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { intEnv, requireEnv } from '@order-platform/shared/config';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import type { RelayOutbox } from '../domain/ports';
import { buildRelayOutbox } from '../adapters/outbox';
import { outboxPublisher } from './outbox-publisher';

export interface RelayDeps {
  relay: RelayOutbox;
  /** Rows younger than this belong to a writer that may still be publishing them. */
  graceSeconds: number;
  pageSize?: number;
  timeGuardMs?: number;
}

/**
 * Scheduled outbox relay (every minute): publishes rows a writer committed but could
 * not publish (crash, bus or topic throttling, timeout between commit and publish), each
 * to its destination by envelope source, like the writer.
 */
export function makeHandler(deps: RelayDeps) {
  return async (_event: unknown, context: Context) => {
    const page = deps.pageSize ?? 100;
    let published = 0;
    let failed = 0;
    while (context.getRemainingTimeInMillis() > (deps.timeGuardMs ?? 5_000)) {
      const r = await deps.relay({ olderThanSeconds: deps.graceSeconds, limit: page });
      published += r.published;
      failed += r.failed;
      // Stop on a short page, or when nothing went out (the bus is failing: next schedule).
      if (r.published + r.failed < page || r.published === 0) break;
    }
    if (published || failed) logger.info('Outbox relay ran', { published, failed });
    metrics.addMetric('OutboxRelayed', MetricUnit.Count, published);
    return { published, failed };
  };
}

export const handler = withObservability(
  makeHandler({
    relay: buildRelayOutbox(
      () => getPool(),
      outboxPublisher({
        busName: requireEnv('EVENT_BUS_NAME'),
        billingTopicArn: requireEnv('BILLING_TOPIC_ARN'),
      }),
    ),
    graceSeconds: intEnv('OUTBOX_RELAY_GRACE_SECONDS', 60),
  }),
);
