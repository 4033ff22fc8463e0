/**
 * The payments reconciler (P29), on a schedule: domain/reconcile.ts reconcilePayments
 * over the ledger store and the payments service's internal API. New findings are logged
 * and counted (the alarm watches the metric); a refund that fails stays open for the
 * next run.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsClient } from '@order-platform/shared/aws';
import { intEnv, requireEnv } from '@order-platform/shared/config';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { reconcilePayments, type ReconcileDeps } from '../domain/reconcile';
import { buildRefundCapture } from '../adapters/payments-refunds';
import {
  buildLoadReconciliationFacts,
  buildMarkRefundRequested,
  buildRememberFindings,
} from '../adapters/reconciliation-store';

export type { ReconcileDeps };

export function makeHandler(deps: ReconcileDeps) {
  const reconcile = reconcilePayments(deps);
  return async () => {
    const { summary, fresh, refunds } = await reconcile();
    for (const f of fresh) logger.warn('Reconciliation finding', { ...f });
    for (const r of refunds) {
      if ('error' in r)
        logger.error('Reconciler refund failed; the next run asks again', {
          findingId: r.finding.findingId,
          error: r.error as Error,
        });
      else logger.info('Reconciler refund asked', { findingId: r.finding.findingId, status: r.status });
    }
    metrics.addMetric('ReconciliationFindings', MetricUnit.Count, summary.fresh);
    metrics.addMetric('ReconciliationRefunds', MetricUnit.Count, summary.refunded);
    metrics.addMetric('ReconciliationRefundFailures', MetricUnit.Count, summary.failed);
    logger.info('Reconciliation ran', summary);
    return summary;
  };
}

const pool = () => getPool();

export const handler = withObservability(
  makeHandler({
    loadFacts: buildLoadReconciliationFacts(pool),
    remember: buildRememberFindings(pool),
    refundCapture: buildRefundCapture(awsClient(LambdaClient), requireEnv('REFUND_CAPTURE_FUNCTION')),
    markRefundRequested: buildMarkRefundRequested(pool),
    now: () => new Date(),
    graceSeconds: intEnv('RECONCILE_GRACE_SECONDS', 600),
    orphanAfterSeconds: intEnv('RECONCILE_ORPHAN_AFTER_SECONDS', 3600),
    lookbackSeconds: intEnv('RECONCILE_LOOKBACK_SECONDS', 7 * 24 * 3600),
  }),
);
