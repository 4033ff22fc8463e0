/**
 * Order-to-cash under the failures money can hide in, on the real ASL with real handlers
 * (as saga.component.test.ts) plus the payments ledger and the reconciler on Postgres:
 * an answer lost after the provider captured, a resume Step Functions refused, a capture
 * that arrives after the saga gave up, a provider capturing twice. Each case ends with
 * the money where it belongs, and the reconciliation check holds over all of them.
 *
 * A breaker that never opens here (its own test file proves it opening): these cases
 * fail provider calls on purpose and must not trip it for the next one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkReconciliation, formatReport } from '../../../test-support/src/reconciliation';
import type { Order } from '../src/domain/order';
import { newSku, startSagaWorld, type SagaWorld } from './saga-world';

let world: SagaWorld;
const sku = newSku();
const placed: Order[] = [];

beforeAll(async () => {
  world = await startSagaWorld({
    confirmationTimeoutSeconds: 2,
    breakerFailureThreshold: 1_000,
    providerTimeoutMs: 300,
    ledgerServerUrl: inject('postgresUrl'),
  });
  await world.setStock(sku, 100);
});

afterAll(async () => {
  await world?.stop();
});

async function place(quantity = 1) {
  const order = await world.placeOrder([{ sku, quantity, unitPrice: 1_500 }]);
  placed.push(order);
  return order;
}

const runToEnd = (order: Order) => world.runToEnd(order);

/** Places one order and runs its saga with the provider in `mode`, then puts the provider back. */
async function placeAndRunWith(settings: {
  mode: Parameters<SagaWorld['provider']['control']>[0]['mode'];
  confirmDelayMs?: number;
}) {
  world.provider.control(settings);
  const order = await place(1);
  try {
    return { order, outcome: await runToEnd(order) };
  } finally {
    world.provider.control({ mode: 'approve', confirmDelayMs: 20 });
  }
}

describe('order-to-cash: no charge kept for an unfinished order, no paid order failed', () => {
  /** Holds the provider's webhooks while `act` runs, then hands them over. */
  async function webhooksLate<T>(act: () => Promise<T>): Promise<T> {
    world.webhookDelivery = 'hold';
    try {
      return await act();
    } finally {
      world.webhookDelivery = 'once';
      await world.settled();
      for (const event of world.heldWebhooks.splice(0)) await world.deliverWebhook(event);
      await world.settled();
    }
  }

  it.each(['timeout-after-charge', 'error-after-charge'] as const)(
    'the answer is lost after a capture (%s) and the webhook is slower than the retries: refunded exactly once, FAILED with the reason',
    async (mode) => {
      const { order, outcome } = await webhooksLate(() => placeAndRunWith({ mode }));
      expect(outcome.output).toMatchObject({ status: 'FAILED' });
      expect(outcome.order.statusReason).toMatch(/^PaymentOutcomeUnknownError: /);
      const [charge, ...others] = world.provider.charges().filter((c) => c.orderId === order.orderId);
      expect(others).toEqual([]);
      expect(world.provider.refunds().filter((r) => r.paymentId === charge!.id)).toHaveLength(1);
      // The capture and its refund are both in the ledger: the reconciler has nothing to do.
      expect(await world.ledger([order.orderId])).toEqual([
        { orderId: order.orderId, paymentId: charge!.id, captured: 1_500, refunded: 1_500 },
      ]);
      expect(await world.reconcile()).toMatchObject({ refunded: 0 });
    },
  );

  it('the first answer is lost, the retry with the same key gets it: one charge, CONFIRMED, nothing refunded', async () => {
    const { order, outcome } = await placeAndRunWith({ mode: 'timeout-after-charge-once' });
    await world.settled();
    expect(outcome.output).toMatchObject({ status: 'CONFIRMED' });
    const [charge, ...others] = world.provider.charges().filter((c) => c.orderId === order.orderId);
    expect(others).toEqual([]);
    expect(outcome.order.paymentId).toBe(charge!.id);
    expect(world.provider.refunds().filter((r) => r.paymentId === charge!.id)).toEqual([]);
  });

  // Both found by chaos runs: the compensations refunded and released a confirmed order,
  // first after one timeout following the write, then after more failures than a
  // timeout-only retrier allowed.
  it.each([1, 7])(
    'Confirm writes CONFIRMED, then fails %i time(s): asked again, CONFIRMED, nothing refunded or released',
    async (failures) => {
      world.timeoutAfterWork.Confirm = failures;
      const [before] = await world.stock([sku]);
      const order = await place(1);
      const { output, order: after } = await runToEnd(order);
      await world.settled();
      expect(world.timeoutAfterWork.Confirm).toBe(0);
      expect(output).toMatchObject({ status: 'CONFIRMED' });
      expect(after.status).toBe('CONFIRMED');
      const charge = world.provider.charges().find((c) => c.orderId === order.orderId)!;
      expect(world.provider.refunds().filter((r) => r.paymentId === charge.id)).toEqual([]);
      // Its unit stays held: reserved by one more than before, available by one less.
      expect(await world.stock([sku])).toEqual([
        expect.objectContaining({ reserved: before!.reserved + 1, available: before!.available - 1 }),
      ]);
    },
  );

  it('SendTaskSuccess fails once: the retried event resumes the saga, CONFIRMED and not refunded', async () => {
    // The SDK tries 3 times per handler call: the first delivery fails outright.
    world.broker.failNextSuccess(3);
    const before = world.resumeResults.length;
    const order = await place(1);
    const { output, order: after } = await runToEnd(order);
    expect(output).toMatchObject({ status: 'CONFIRMED' });
    expect(after.status).toBe('CONFIRMED');
    expect(world.broker.calls.refused).toBeGreaterThanOrEqual(3);
    // Either the webhook's retry delivered it, or the wait found it recorded on the order.
    const results = world.resumeResults.slice(before);
    expect(
      results.filter((r) => r === 'resumed').length + results.filter((r) => r === 'recorded').length,
    ).toBe(1);
    const charge = world.provider.charges().find((c) => c.orderId === order.orderId)!;
    await world.settled();
    expect(world.provider.refunds().filter((r) => r.paymentId === charge.id)).toEqual([]);
  });

  it('the capture arrives after the saga failed: the reconciler refunds it, once', async () => {
    // The provider times out and creates the charge only later, after the saga's look-up.
    const { order, outcome } = await placeAndRunWith({ mode: 'charge-late', confirmDelayMs: 2_500 });
    expect(outcome.output).toMatchObject({ status: 'FAILED' });
    expect(outcome.order.statusReason).toMatch(/^PaymentOutcomeUnknownError: /);
    await world.settled(); // the late charge, and its payment.succeeded
    const [charge] = world.provider.charges().filter((c) => c.orderId === order.orderId);
    expect(charge).toBeDefined();
    expect(world.provider.refunds().filter((r) => r.paymentId === charge!.id)).toEqual([]);

    const first = await world.reconcile();
    await world.settled(); // refund.succeeded into the ledger
    const second = await world.reconcile();
    expect(first).toMatchObject({ refunded: 1 });
    expect(second).toMatchObject({ refunded: 0 });
    expect(second.resolved).toBeGreaterThanOrEqual(1);
    expect(world.provider.refunds().filter((r) => r.paymentId === charge!.id)).toHaveLength(1);
    expect(await world.ledger([order.orderId])).toEqual([
      { orderId: order.orderId, paymentId: charge!.id, captured: 1_500, refunded: 1_500 },
    ]);
  });

  it('a double capture: the order is CONFIRMED on one, the reconciler refunds the other once', async () => {
    const { order, outcome } = await placeAndRunWith({ mode: 'double-capture' });
    expect(outcome.output).toMatchObject({ status: 'CONFIRMED' });
    await world.settled();
    const charges = world.provider.charges().filter((c) => c.orderId === order.orderId);
    expect(charges).toHaveLength(2);
    const kept = outcome.order.paymentId;
    const extra = charges.find((c) => c.id !== kept)!;

    expect(await world.reconcile()).toMatchObject({ refunded: 1 });
    await world.settled();
    expect(await world.reconcile()).toMatchObject({ refunded: 0 });
    expect(
      world.provider
        .refunds()
        .map((r) => r.paymentId)
        .filter((p) => charges.some((c) => c.id === p)),
    ).toEqual([extra.id]);
  });

  it("afterwards, every order's money and stock add up (the reconciliation check)", async () => {
    await world.settled();
    await world.reconcile();
    await world.settled();
    const finals = await Promise.all(placed.map((o) => world.getOrder(o.orderId)));
    const [stock] = await world.stock([sku]);
    const report = checkReconciliation({
      orders: finals.map((o) => ({ orderId: o.orderId, status: o.status, total: o.total, lines: o.lines })),
      money: await world.ledger(finals.map((o) => o.orderId)),
      stock: [{ sku, received: 100, available: stock!.available, reserved: stock!.reserved }],
    });
    expect(report.violations, formatReport(report)).toEqual([]);
    expect(finals.map((o) => o.status).sort()).toEqual(
      ['CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'FAILED', 'FAILED', 'FAILED'].sort(),
    );
  });
});
