/**
 * The payments reconciler (P29), on a schedule: ledger vs order outcomes
 * (domain/reconcile.ts). New findings are logged and counted (the alarm watches the
 * metric); refund findings are refunded once through the payments service's internal
 * API, under the finding's key. A refund that fails stays open for the next run.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsClient } from '@order-platform/shared/aws';
import { intEnv, requireEnv } from '@order-platform/shared/config';
import { getPool } from '@order-platform/shared/db/postgres';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { findDiscrepancies, type Finding } from '../domain/reconcile';
import { buildRefundCapture, type RefundCapture } from '../adapters/payments-refunds';
import {
  buildLoadReconciliationFacts,
  buildMarkRefundRequested,
  buildRememberFindings,
  type ReconciliationFacts,
} from '../adapters/reconciliation-store';

export interface ReconcileDeps {
  loadFacts: (lookbackSeconds: number) => Promise<ReconciliationFacts>;
  remember: (
    findings: readonly Finding[],
    lookbackSeconds: number,
  ) => Promise<{ fresh: Finding[]; toRefund: Finding[]; resolved: number }>;
  refundCapture: RefundCapture;
  markRefundRequested: (findingId: string, refundId: string | undefined) => Promise<void>;
  now: () => Date;
  graceSeconds: number;
  orphanAfterSeconds: number;
  lookbackSeconds: number;
}

export function makeHandler(deps: ReconcileDeps) {
  return async () => {
    const facts = await deps.loadFacts(deps.lookbackSeconds);
    const findings = findDiscrepancies(facts.balances, facts.outcomes, {
      now: deps.now(),
      graceMs: deps.graceSeconds * 1000,
      orphanAfterMs: deps.orphanAfterSeconds * 1000,
    });
    const { fresh, toRefund, resolved } = await deps.remember(findings, deps.lookbackSeconds);
    for (const f of fresh) logger.warn('Reconciliation finding', { ...f });
    metrics.addMetric('ReconciliationFindings', MetricUnit.Count, fresh.length);
    let refunded = 0;
    let failed = 0;
    for (const f of toRefund) {
      try {
        const answer = await deps.refundCapture({
          orderId: f.orderId,
          paymentId: f.paymentId!,
          amount: f.amount!,
          currency: f.currency!,
          idempotencyKey: f.refundKey!,
          reason: `reconciler: ${f.kind}`,
        });
        await deps.markRefundRequested(f.findingId, answer.refund?.refundId);
        refunded++;
        logger.info('Reconciler refund asked', { findingId: f.findingId, status: answer.status });
      } catch (error) {
        failed++;
        logger.error('Reconciler refund failed; the next run asks again', {
          findingId: f.findingId,
          error: error as Error,
        });
      }
    }
    metrics.addMetric('ReconciliationRefunds', MetricUnit.Count, refunded);
    metrics.addMetric('ReconciliationRefundFailures', MetricUnit.Count, failed);
    const summary = {
      balances: facts.balances.length,
      outcomes: facts.outcomes.length,
      findings: findings.length,
      fresh: fresh.length,
      refunded,
      failed,
      resolved,
    };
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
