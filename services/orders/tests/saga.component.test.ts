/**
 * P03, proved on the real ASL: the state machine from the packaged orders template,
 * executed by aws-local-stepfunctions, every Task bound to its real handler over moto,
 * the simulated provider over HTTP and its signed webhooks. Each scenario checks the
 * single terminal outcome and, at the end, that stock and money add up.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkReconciliation, formatReport } from '../../../test-support/src/reconciliation';
import type { Order } from '../src/domain/order';
import { newSku, startSagaWorld, type SagaWorld } from './saga-world';

let world: SagaWorld;
const sku = newSku();
const scarceSku = newSku();
const placed: Order[] = [];

const CONFIRMATION_TIMEOUT_S = 2;
const BREAKER_COOL_DOWN_MS = 2_500;

beforeAll(async () => {
  world = await startSagaWorld({
    confirmationTimeoutSeconds: CONFIRMATION_TIMEOUT_S,
    breakerFailureThreshold: 3,
    // Long enough that the second saga below surely runs while the circuit is open, even
    // on a loaded machine; the probe test waits it out.
    breakerCoolDownMs: BREAKER_COOL_DOWN_MS,
    providerTimeoutMs: 300,
    ledgerServerUrl: inject('postgresUrl'),
  });
  await world.setStock(sku, 1_000);
  await world.setStock(scarceSku, 1);
});

afterAll(async () => {
  await world?.stop();
});

async function place(quantity = 2, which = sku) {
  const order = await world.placeOrder([{ sku: which, quantity, unitPrice: 1_500 }]);
  placed.push(order);
  return order;
}

const runToEnd = (order: Order) => world.runToEnd(order);

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the order saga (packaged ASL, real handlers)', () => {
  it('happy path: reserve, charge, signed confirmation, CONFIRMED', async () => {
    const order = await place(2);
    const { output, order: after } = await runToEnd(order);
    expect(after.statusReason).toBeUndefined();
    expect(output).toMatchObject({ orderId: order.orderId, status: 'CONFIRMED' });
    expect(after.status).toBe('CONFIRMED');
    expect(after.taskToken).toBeUndefined();
    expect(world.provider.charges().filter((c) => c.orderId === order.orderId)).toHaveLength(1);
  });

  it('every forward step crashes once: each is asked again, CONFIRMED, charged once, nothing refunded', async () => {
    const steps = ['Begin', 'ReserveStock', 'MarkReserved', 'ChargePayment', 'MarkPaymentPending', 'Confirm'];
    for (const s of steps) world.crashBeforeWork[s] = 1;
    const before = { ...world.invocations };
    const order = await place(1);
    const { output, order: after } = await runToEnd(order);
    expect(output).toMatchObject({ status: 'CONFIRMED' });
    expect(after.status).toBe('CONFIRMED');
    for (const s of steps) {
      expect(world.crashBeforeWork[s], s).toBe(0);
      expect((world.invocations[s] ?? 0) - (before[s] ?? 0), s).toBe(2);
    }
    const charges = world.provider.charges().filter((c) => c.orderId === order.orderId);
    expect(charges).toHaveLength(1);
    expect(world.provider.refunds().filter((r) => r.paymentId === charges[0]!.id)).toEqual([]);
  });

  it('a step that keeps crashing: asked three times in all, then the order fails and the stock goes back', async () => {
    world.crashBeforeWork.MarkReserved = 3;
    const before = world.invocations.MarkReserved ?? 0;
    const [stockBefore] = await world.stock([sku]);
    const order = await place(1);
    const { output, order: after } = await runToEnd(order);
    expect(output).toMatchObject({ status: 'FAILED' });
    expect(after.statusReason).toMatch(/^Error: MarkReserved: the handler crashed/);
    expect(world.invocations.MarkReserved! - before).toBe(3);
    expect(world.crashBeforeWork.MarkReserved).toBe(0);
    expect(await world.stock([sku])).toEqual([
      expect.objectContaining({ available: stockBefore!.available }),
    ]);
    expect(world.provider.charges().filter((c) => c.orderId === order.orderId)).toHaveLength(0);
  });

  it('out of stock: FAILED, nothing charged, stock untouched', async () => {
    const reserves = world.invocations.ReserveStock ?? 0;
    const order = await place(5, scarceSku);
    const { output, order: after } = await runToEnd(order);
    // The saga's own answer is not retried.
    expect(world.invocations.ReserveStock! - reserves).toBe(1);
    expect(output).toMatchObject({ status: 'FAILED' });
    expect(after.statusReason).toMatch(/^OutOfStockError: /);
    expect(world.provider.charges().filter((c) => c.orderId === order.orderId)).toHaveLength(0);
    expect(await world.stock([scarceSku])).toMatchObject([{ available: 1, reserved: 0 }]);
  });

  it('payment declined at charge: stock released, FAILED', async () => {
    world.provider.control({ mode: 'decline' });
    const charges = world.invocations.ChargePayment ?? 0;
    const order = await place(3);
    const { output, order: after } = await runToEnd(order);
    world.provider.control({ mode: 'approve' });
    expect(world.invocations.ChargePayment! - charges).toBe(1);
    expect(output).toMatchObject({ status: 'FAILED' });
    expect(after.statusReason).toBe('PaymentDeclinedError: Payment declined: card_declined');
  });

  it('payment declined later by webhook: the wait fails, compensation runs, FAILED', async () => {
    world.provider.control({ mode: 'decline-later' });
    const order = await place(1);
    const { output, order: after } = await runToEnd(order);
    world.provider.control({ mode: 'approve' });
    expect(output).toMatchObject({ status: 'FAILED' });
    expect(after.statusReason).toBe('PaymentFailedError: insufficient_funds');
  });

  it('confirmation never arrives: the wait times out, refund and release, FAILED', async () => {
    world.webhookDelivery = 'hold';
    const order = await place(1);
    const started = Date.now();
    const { output, order: after } = await runToEnd(order);
    world.webhookDelivery = 'once';
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIRMATION_TIMEOUT_S * 1000);
    expect(output).toMatchObject({ status: 'FAILED' });
    expect(after.statusReason).toMatch(/^States\.Timeout/);
    // The held confirmation finally arrives: nobody is waiting, nothing changes.
    const late = world.heldWebhooks.splice(0).filter((e) => e.data.orderId === order.orderId);
    for (const event of late) await world.deliverWebhook(event);
    expect(world.resumeResults.at(-1)).toBe('nothing-waiting');
    expect(late.length).toBeGreaterThan(0);
    expect((await world.getOrder(order.orderId)).status).toBe('FAILED');
  });

  it('the confirmation arrives twice: confirmed once, the duplicate changes nothing', async () => {
    world.webhookDelivery = 'twice';
    const order = await place(1);
    const { output, order: after } = await runToEnd(order);
    await world.settled();
    world.webhookDelivery = 'once';
    expect(output).toMatchObject({ status: 'CONFIRMED' });
    expect(after.version).toBe((await world.getOrder(order.orderId)).version);
    const [first, second] = world.resumeResults.slice(-2);
    // The first delivery either resumed the waiting saga or got there first and was
    // picked up by the wait itself; the second is recognised as a repeat.
    expect(['resumed', 'recorded']).toContain(first);
    expect(second).toBe('duplicate');
  });

  it('cancel mid-saga (while waiting for the payment): refund, release, CANCELLED', async () => {
    world.webhookDelivery = 'hold';
    const order = await place(4);
    const running = world.runSaga(order);
    await waitUntil(async () => !!(await world.getOrder(order.orderId)).taskToken);
    const before = await world.getOrder(order.orderId);
    const res = await world.cancel(order.orderId, order.customerId);
    expect(res.statusCode).toBe(200);
    await world.deliverOrderCancelled(before, await world.getOrder(order.orderId));
    const result = await running;
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ status: 'CANCELLED' });
    // The held webhooks (the capture, maybe the refund) finally arrive: the ledger then
    // holds both sides of the payment, and the order stays CANCELLED.
    await world.settled();
    world.webhookDelivery = 'once';
    for (const event of world.heldWebhooks.splice(0)) await world.deliverWebhook(event);
    expect((await world.getOrder(order.orderId)).status).toBe('CANCELLED');
  });

  it('OrderPlaced delivered twice: the second execution finds the order taken and stops', async () => {
    const order = await place(1);
    const first = await runToEnd(order);
    const second = await world.runSaga(order);
    expect(first.output).toMatchObject({ status: 'CONFIRMED' });
    expect(second.error).toBeUndefined();
    expect((await world.getOrder(order.orderId)).status).toBe('CONFIRMED');
    expect(world.provider.charges().filter((c) => c.orderId === order.orderId)).toHaveLength(1);
  });

  it('provider down: the breaker opens, later sagas fail fast without calling it, then it closes again', async () => {
    world.provider.control({ mode: 'fail' });
    const callsBefore = world.provider.stats().requests.charges;
    const first = await runToEnd(await place(1));
    const openedAt = Date.now();
    expect(first.output).toMatchObject({ status: 'FAILED' });
    const callsWhileFailing = world.provider.stats().requests.charges - callsBefore;
    expect(callsWhileFailing).toBeGreaterThanOrEqual(3);

    const second = await runToEnd(await place(1));
    expect(second.order.statusReason).toMatch(/^CircuitOpenError: /);
    expect(world.provider.stats().requests.charges - callsBefore).toBe(callsWhileFailing);

    world.provider.control({ mode: 'approve' });
    await new Promise((r) => setTimeout(r, Math.max(0, openedAt + BREAKER_COOL_DOWN_MS + 100 - Date.now()))); // the cool-down
    const probe = await runToEnd(await place(1));
    expect(probe.output).toMatchObject({ status: 'CONFIRMED' });
    const after = await runToEnd(await place(1));
    expect(after.output).toMatchObject({ status: 'CONFIRMED' });
  });

  it('afterwards, stock and money add up (the reconciliation check)', async () => {
    await world.settled();
    await world.reconcile();
    await world.settled();
    const finals = await Promise.all(placed.map((o) => world.getOrder(o.orderId)));
    const [main, scarce] = await world.stock([sku, scarceSku]);
    const report = checkReconciliation({
      orders: finals.map((o) => ({ orderId: o.orderId, status: o.status, total: o.total, lines: o.lines })),
      money: await world.ledger(finals.map((o) => o.orderId)),
      stock: [
        { sku, received: 1_000, available: main!.available, reserved: main!.reserved },
        { sku: scarceSku, received: 1, available: scarce!.available, reserved: scarce!.reserved },
      ],
    });
    expect(report.violations, formatReport(report)).toEqual([]);

    // And at the provider: no confirmed order was refunded, every other capture was, once.
    const refunds = world.provider.refunds();
    for (const o of finals) {
      for (const c of world.provider.charges().filter((ch) => ch.orderId === o.orderId)) {
        const mine = refunds.filter((r) => r.paymentId === c.id);
        const kept = o.status === 'CONFIRMED' && c.id === o.paymentId;
        if (kept || c.status === 'failed') expect(mine, `${o.orderId} ${c.status}`).toHaveLength(0);
        else {
          expect(mine, `${o.orderId} ${o.status} ${c.status}`).toHaveLength(1);
          expect(mine[0]!.amount).toBe(c.amount);
        }
      }
    }
  });
});
