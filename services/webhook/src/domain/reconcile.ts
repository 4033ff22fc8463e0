/**
 * The payments reconciler (P29): compares the ledger (what the provider says happened to
 * the money) with the orders' outcomes (what the platform promised), and says what must
 * be put right. findDiscrepancies is pure; reconcilePayments (below) is one run over the
 * ports: the store gathers the facts, the findings are remembered and refunds asked.
 *
 * Rules, per order, over captures that still hold money (captured - refunded > 0):
 * - FAILED or CANCELLED: every capture is refunded (`capture-on-failed|cancelled`).
 * - CONFIRMED: one capture is kept (the one the order was confirmed on, else the
 *   earliest); any other is refunded (`second-capture`). The kept one must equal the
 *   total: more is refunded down to it (`excess-capture`), less is reported
 *   (`short-capture`); none at all is reported (`confirmed-without-capture`).
 * - no outcome yet: nothing, unless the capture is older than `orphanAfterMs`
 *   (`capture-without-order`, reported).
 * Outcomes younger than `graceMs` are left alone: the saga's own refund may still be on
 * its way back from the provider.
 *
 * A whole-capture refund is asked under `refund-<paymentId>`, the key the saga's
 * compensation uses too: if both ask, the provider answers the second with the first
 * refund. Each finding has a stable id, so it is recorded and acted on once.
 */
import type {
  LoadReconciliationFacts,
  MarkRefundRequested,
  RefundCapture,
  RefundCaptureAnswer,
  RememberFindings,
} from './ports';

export type OutcomeStatus = 'CONFIRMED' | 'FAILED' | 'CANCELLED';

export interface OrderOutcome {
  orderId: string;
  customerId: string;
  status: OutcomeStatus;
  /** Known for confirmed orders (OrderConfirmed carries them). */
  total?: number;
  currency?: string;
  /** The capture the order was confirmed on, when the event named it. */
  paymentId?: string;
  reason?: string;
  occurredAt: string;
}

/** One payment id's money as the ledger has it. */
export interface CaptureBalance {
  orderId: string;
  paymentId: string;
  currency: string;
  captured: number;
  refunded: number;
  capturedAt: string;
}

export type FindingKind =
  | 'capture-on-failed'
  | 'capture-on-cancelled'
  | 'second-capture'
  | 'excess-capture'
  | 'short-capture'
  | 'confirmed-without-capture'
  | 'capture-without-order';

export interface Finding {
  /** Stable: the same discrepancy found again is the same finding. */
  findingId: string;
  kind: FindingKind;
  orderId: string;
  paymentId?: string;
  action: 'refund' | 'report';
  /** For refunds: how much, in which currency, under which provider key. */
  amount?: number;
  currency?: string;
  refundKey?: string;
  detail: string;
}

export interface ReconcileOptions {
  now: Date;
  graceMs: number;
  orphanAfterMs: number;
}

const net = (c: CaptureBalance) => c.captured - c.refunded;

/** The key for refunding what is left of a capture: the saga's key when nothing went back yet. */
function refundAll(c: CaptureBalance): Pick<Finding, 'amount' | 'currency' | 'refundKey'> {
  return c.refunded === 0
    ? { amount: c.captured, currency: c.currency, refundKey: `refund-${c.paymentId}` }
    : { amount: net(c), currency: c.currency, refundKey: `refund-rest-${c.paymentId}` };
}

export function findDiscrepancies(
  balances: readonly CaptureBalance[],
  outcomes: readonly OrderOutcome[],
  opts: ReconcileOptions,
): Finding[] {
  const now = opts.now.getTime();
  const holding = new Map<string, CaptureBalance[]>();
  for (const b of balances) {
    if (net(b) <= 0) continue;
    const list = holding.get(b.orderId) ?? [];
    list.push(b);
    holding.set(b.orderId, list);
  }
  const findings: Finding[] = [];
  const settled = (o: OrderOutcome) => now - Date.parse(o.occurredAt) >= opts.graceMs;

  const byOrder = new Map(outcomes.map((o) => [o.orderId, o]));
  for (const [orderId, captures] of holding) {
    const outcome = byOrder.get(orderId);
    if (!outcome) {
      for (const c of captures) {
        if (now - Date.parse(c.capturedAt) < opts.orphanAfterMs) continue;
        findings.push({
          findingId: `capture-without-order:${c.paymentId}`,
          kind: 'capture-without-order',
          orderId,
          paymentId: c.paymentId,
          action: 'report',
          detail: `${c.captured} ${c.currency} captured for an order the platform has no outcome for`,
        });
      }
      continue;
    }
    if (!settled(outcome)) continue;
    if (outcome.status !== 'CONFIRMED') {
      const kind = outcome.status === 'FAILED' ? 'capture-on-failed' : 'capture-on-cancelled';
      for (const c of captures) {
        findings.push({
          findingId: `${kind}:${c.paymentId}`,
          kind,
          orderId,
          paymentId: c.paymentId,
          action: 'refund',
          ...refundAll(c),
          detail: `${net(c)} ${c.currency} held for an order that ended ${outcome.status}`,
        });
      }
      continue;
    }
    const ordered = [...captures].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt));
    const kept = ordered.find((c) => c.paymentId === outcome.paymentId) ?? ordered[0]!;
    for (const c of ordered) {
      if (c === kept) continue;
      findings.push({
        findingId: `second-capture:${c.paymentId}`,
        kind: 'second-capture',
        orderId,
        paymentId: c.paymentId,
        action: 'refund',
        ...refundAll(c),
        detail: `a second capture of a confirmed order (kept ${kept.paymentId})`,
      });
    }
    if (outcome.total === undefined) continue;
    const held = net(kept);
    if (held > outcome.total) {
      findings.push({
        findingId: `excess-capture:${kept.paymentId}:${held - outcome.total}`,
        kind: 'excess-capture',
        orderId,
        paymentId: kept.paymentId,
        action: 'refund',
        amount: held - outcome.total,
        currency: kept.currency,
        refundKey: `refund-excess-${kept.paymentId}`,
        detail: `captured ${held} ${kept.currency} for an order of ${outcome.total}`,
      });
    } else if (held < outcome.total) {
      findings.push({
        findingId: `short-capture:${kept.paymentId}:${outcome.total - held}`,
        kind: 'short-capture',
        orderId,
        paymentId: kept.paymentId,
        action: 'report',
        detail: `captured ${held} ${kept.currency} for an order of ${outcome.total}: ${outcome.total - held} short`,
      });
    }
  }

  for (const outcome of outcomes) {
    if (outcome.status !== 'CONFIRMED' || holding.has(outcome.orderId) || !settled(outcome)) continue;
    findings.push({
      findingId: `confirmed-without-capture:${outcome.orderId}`,
      kind: 'confirmed-without-capture',
      orderId: outcome.orderId,
      action: 'report',
      detail:
        `order confirmed for ${outcome.total ?? '?'} ${outcome.currency ?? ''} with no capture in the ledger`.trim(),
    });
  }
  return findings;
}

export interface ReconcileDeps {
  loadFacts: LoadReconciliationFacts;
  remember: RememberFindings;
  refundCapture: RefundCapture;
  markRefundRequested: MarkRefundRequested;
  now: () => Date;
  graceSeconds: number;
  orphanAfterSeconds: number;
  lookbackSeconds: number;
}

export type RefundAttempt =
  { finding: Finding; status: RefundCaptureAnswer['status'] } | { finding: Finding; error: unknown };

export interface ReconciliationRun {
  summary: {
    balances: number;
    outcomes: number;
    findings: number;
    fresh: number;
    refunded: number;
    failed: number;
    resolved: number;
  };
  /** Findings seen for the first time (to report). */
  fresh: Finding[];
  /** Each refund asked this run; a failed one stays open for the next run. */
  refunds: RefundAttempt[];
}

/**
 * One run of the reconciler: the window's facts, their findings (findDiscrepancies), the
 * findings remembered, and each refund finding refunded once through the payments
 * service under the finding's key. A refund that fails stays open for the next run.
 */
export function reconcilePayments(deps: ReconcileDeps) {
  return async (): Promise<ReconciliationRun> => {
    const facts = await deps.loadFacts(deps.lookbackSeconds);
    const findings = findDiscrepancies(facts.balances, facts.outcomes, {
      now: deps.now(),
      graceMs: deps.graceSeconds * 1000,
      orphanAfterMs: deps.orphanAfterSeconds * 1000,
    });
    const { fresh, toRefund, resolved } = await deps.remember(findings, deps.lookbackSeconds);
    const refunds: RefundAttempt[] = [];
    for (const finding of toRefund) {
      try {
        const answer = await deps.refundCapture({
          orderId: finding.orderId,
          paymentId: finding.paymentId!,
          amount: finding.amount!,
          currency: finding.currency!,
          idempotencyKey: finding.refundKey!,
          reason: `reconciler: ${finding.kind}`,
        });
        await deps.markRefundRequested(finding.findingId, answer.refund?.refundId);
        refunds.push({ finding, status: answer.status });
      } catch (error) {
        refunds.push({ finding, error });
      }
    }
    const failed = refunds.filter((r) => 'error' in r).length;
    return {
      summary: {
        balances: facts.balances.length,
        outcomes: facts.outcomes.length,
        findings: findings.length,
        fresh: fresh.length,
        refunded: refunds.length - failed,
        failed,
        resolved,
      },
      fresh,
      refunds,
    };
  };
}
