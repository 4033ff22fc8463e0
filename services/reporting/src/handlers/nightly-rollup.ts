/** Nightly (02:15 UTC) recompute of the last days' aggregates from the order rows (P29). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { intEnv } from '@order-platform/shared/config';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { DEFAULT_ROLLUP_DAYS, nightlyRollup } from '../domain/rollup';
import type { ReadModelChanged, RecomputeDays } from '../domain/ports';
import { buildRecomputeDays } from '../adapters/read-model';
import { buildReadModelChanged } from '../adapters/redis-cache';
import { platformCacheStore, platformDb } from './composition';

export function makeHandler(deps: {
  recomputeDays: RecomputeDays;
  readModelChanged: ReadModelChanged;
  now?: () => Date;
  days: number;
}) {
  const rollup = nightlyRollup({ ...deps, now: deps.now ?? (() => new Date()) });
  return async () => {
    const { cacheError, ...result } = await rollup();
    if (cacheError)
      logger.warn('Could not invalidate the cached reports after the rollup', { error: cacheError as Error });
    metrics.addMetric('RollupCorrections', MetricUnit.Count, result.corrected);
    if (result.corrected > 0) logger.warn('Rollup corrected aggregates the projector had left wrong', result);
    else logger.info('Rollup found the aggregates correct', result);
    return result;
  };
}

export const handler = withObservability(
  makeHandler({
    recomputeDays: buildRecomputeDays(platformDb()),
    readModelChanged: buildReadModelChanged(platformCacheStore()),
    days: intEnv('ROLLUP_DAYS', DEFAULT_ROLLUP_DAYS),
  }),
);
