import { describe, expect, it } from 'vitest';
import { findDiscrepancies, reconcilePayments, type CaptureBalance, type OrderOutcome } from './reconcile';

const now = new Date('2026-12-03T12:00:00.000Z');
const opts = { now, graceMs: 60_000, orphanAfterMs: 3_600_000 };
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

const capture = (over: Partial<CaptureBalance> = {}): CaptureBalance => ({
  orderId: 'ord_A',
  paymentId: 'pay_1',
  currency: 'EUR',
  captured: 1000,
  refunded: 0,
  capturedAt: ago(600_000),
  ...over,
});
const outcome = (over: Partial<OrderOutcome> = {}): OrderOutcome => ({
  orderId: 'ord_A',
  customerId: 'c-1',
  status: 'CONFIRMED',
  total: 1000,
  currency: 'EUR',
  paymentId: 'pay_1',
  occurredAt: ago(300_000),
  ...over,
});

describe('findDiscrepancies', () => {
  it('finds nothing when a confirmed order holds exactly one capture of its total', () => {
    expect(findDiscrepancies([capture()], [outcome()], opts)).toEqual([]);
  });

  it('refunds a capture on a failed or cancelled order, under the saga refund key', () => {
    const found = findDiscrepancies(
      [capture(), capture({ orderId: 'ord_B', paymentId: 'pay_2' })],
      [outcome({ status: 'FAILED' }), outcome({ orderId: 'ord_B', status: 'CANCELLED' })],
      opts,
    );
    expect(found).toEqual([
      expect.objectContaining({
        findingId: 'capture-on-failed:pay_1',
        action: 'refund',
        amount: 1000,
        refundKey: 'refund-pay_1',
      }),
      expect.objectContaining({ findingId: 'capture-on-cancelled:pay_2', refundKey: 'refund-pay_2' }),
    ]);
  });

  it('ignores a capture already refunded, and refunds only the rest of a partly refunded one', () => {
    const found = findDiscrepancies(
      [capture({ refunded: 1000 }), capture({ orderId: 'ord_B', paymentId: 'pay_2', refunded: 400 })],
      [outcome({ status: 'FAILED' }), outcome({ orderId: 'ord_B', status: 'FAILED' })],
      opts,
    );
    expect(found).toEqual([
      expect.objectContaining({ paymentId: 'pay_2', amount: 600, refundKey: 'refund-rest-pay_2' }),
    ]);
  });

  it('keeps the capture the order was confirmed on and refunds a second one', () => {
    const found = findDiscrepancies(
      [capture({ paymentId: 'pay_2', capturedAt: ago(900_000) }), capture()],
      [outcome()],
      opts,
    );
    expect(found).toEqual([
      expect.objectContaining({ findingId: 'second-capture:pay_2', action: 'refund', amount: 1000 }),
    ]);
  });

  it('refunds an excess and reports a shortfall or a missing capture', () => {
    const found = findDiscrepancies(
      [capture({ captured: 1200 }), capture({ orderId: 'ord_B', paymentId: 'pay_2', captured: 700 })],
      [
        outcome(),
        outcome({ orderId: 'ord_B', paymentId: 'pay_2' }),
        outcome({ orderId: 'ord_C', paymentId: 'pay_9' }),
      ],
      opts,
    );
    expect(found.map((f) => [f.kind, f.action, f.amount])).toEqual([
      ['excess-capture', 'refund', 200],
      ['short-capture', 'report', undefined],
      ['confirmed-without-capture', 'report', undefined],
    ]);
    expect(found[0]!.refundKey).toBe('refund-excess-pay_1');
  });

  it('waits out the grace period after an outcome, and reports an orphan capture only when old', () => {
    expect(
      findDiscrepancies([capture()], [outcome({ status: 'FAILED', occurredAt: ago(10_000) })], opts),
    ).toEqual([]);
    expect(findDiscrepancies([capture({ capturedAt: ago(60_000) })], [], opts)).toEqual([]);
    expect(findDiscrepancies([capture({ capturedAt: ago(7_200_000) })], [], opts)).toEqual([
      expect.objectContaining({ kind: 'capture-without-order', action: 'report' }),
    ]);
  });
});

describe('reconcilePayments', () => {
  it('asks each refund once under its key, marks it, and leaves a failed one open for the next run', async () => {
    const marked: unknown[] = [];
    const asked: string[] = [];
    const run = reconcilePayments({
      loadFacts: async () => ({
        balances: [capture(), capture({ orderId: 'ord_B', paymentId: 'pay_2' })],
        outcomes: [outcome({ status: 'FAILED' }), outcome({ orderId: 'ord_B', status: 'CANCELLED' })],
      }),
      remember: async (findings) => ({ fresh: [...findings], toRefund: [...findings], resolved: 0 }),
      refundCapture: async (request) => {
        asked.push(request.idempotencyKey);
        if (request.orderId === 'ord_B') throw new Error('payments unavailable');
        return { status: 'REFUNDED', refund: { refundId: 're_1' } };
      },
      markRefundRequested: async (findingId, refundId) => void marked.push([findingId, refundId]),
      now: () => now,
      graceSeconds: 60,
      orphanAfterSeconds: 3600,
      lookbackSeconds: 3600,
    });
    const { summary, refunds } = await run();
    expect(asked).toEqual(['refund-pay_1', 'refund-pay_2']);
    expect(marked).toEqual([[refunds[0]!.finding.findingId, 're_1']]);
    expect(summary).toEqual({
      balances: 2,
      outcomes: 2,
      findings: 2,
      fresh: 2,
      refunded: 1,
      failed: 1,
      resolved: 0,
    });
    expect(refunds[1]).toMatchObject({ error: expect.objectContaining({ message: 'payments unavailable' }) });
  });
});
