import { describe, expect, it } from 'vitest';
import { newOrder } from './order';
import type { SagaOrder, SendToTask } from './ports';
import { OrderCancelledError, PaymentFailedError, SagaResumeError } from './saga';
import { awaitPayment, beginSaga, recordedOutcome, transitionOrder } from './saga-steps';

const order = (over: Partial<SagaOrder> = {}): SagaOrder => ({
  ...newOrder(
    { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 500, kind: 'physical' }] },
    { orderId: 'o-1', customerId: 'c-1', correlationId: 'cid-1', customerEmail: 'c@example.com' },
    new Date('2026-01-01T00:00:00Z'),
  ),
  ...over,
});

describe('beginSaga', () => {
  it('claims the order and hands the saga what its states need', async () => {
    const begin = beginSaga(async () => order());
    await expect(begin({ orderId: 'o-1', executionId: 'x-1' })).resolves.toEqual({
      orderId: 'o-1',
      customerId: 'c-1',
      customerEmail: 'c@example.com',
      lines: [{ sku: 'SKU-1', quantity: 2 }],
      total: 1000,
      currency: 'EUR',
      correlationId: 'cid-1',
    });
  });

  it('refuses a cancelled or inconsistent order with the named errors', async () => {
    await expect(
      beginSaga(async () => order({ status: 'CANCELLED' }))({ orderId: 'o-1', executionId: 'x' }),
    ).rejects.toBeInstanceOf(OrderCancelledError);
    await expect(
      beginSaga(async () => order({ total: 1 }))({ orderId: 'o-1', executionId: 'x' }),
    ).rejects.toMatchObject({ name: 'InvalidOrderError' });
  });
});

describe('transitionOrder and recordedOutcome', () => {
  it('writes the failure reason the saga caught, and reports the new status', async () => {
    const inputs: unknown[] = [];
    const now = new Date('2026-01-02T00:00:00Z');
    const transition = transitionOrder(
      async (input) => (inputs.push(input), order({ status: input.to })),
      () => now,
    );
    await expect(
      transition({ orderId: 'o-1', to: 'FAILED', reason: 'States.Timeout', cause: '' }),
    ).resolves.toEqual({ orderId: 'o-1', status: 'FAILED' });
    expect(inputs).toEqual([
      { orderId: 'o-1', to: 'FAILED', correlationId: 'saga', now, reason: 'States.Timeout' },
    ]);
  });

  it('reads the recorded payment outcome, or NONE', async () => {
    await expect(recordedOutcome(async () => undefined)({ orderId: 'o-1' })).resolves.toEqual({
      outcome: 'NONE',
    });
    await expect(
      recordedOutcome(async () => ({ status: 'SUCCEEDED', paymentId: 'p-1' }))({ orderId: 'o-1' }),
    ).resolves.toEqual({ outcome: 'SUCCEEDED', paymentId: 'p-1' });
  });
});

describe('awaitPayment', () => {
  const input = { orderId: 'o-1', taskToken: 't-1' };
  const sent: unknown[] = [];
  const send: SendToTask = async (token, outcome) => (sent.push([token, outcome]), 'resumed');

  it('waits once the token is stored', async () => {
    await expect(awaitPayment(async () => ({ stored: true }), send)(input)).resolves.toEqual({
      orderId: 'o-1',
      waiting: true,
    });
  });

  it('resumes at once with an outcome that came first: success through the task API, failure by throwing', async () => {
    const succeeded = awaitPayment(
      async () => ({ stored: false, outcome: { status: 'SUCCEEDED', paymentId: 'p-1' } }),
      send,
    );
    await expect(succeeded(input)).resolves.toEqual({ orderId: 'o-1', waiting: false });
    expect(sent).toEqual([['t-1', { success: { paymentId: 'p-1', status: 'SUCCEEDED' } }]]);

    const failed = awaitPayment(
      async () => ({ stored: false, outcome: { status: 'FAILED', paymentId: 'p-1', reason: 'declined' } }),
      send,
    );
    await expect(failed(input)).rejects.toBeInstanceOf(PaymentFailedError);

    const unreachable = awaitPayment(
      async () => ({ stored: false, outcome: { status: 'SUCCEEDED', paymentId: 'p-1' } }),
      async () => {
        throw new Error('throttled');
      },
    );
    await expect(unreachable(input)).rejects.toBeInstanceOf(SagaResumeError);
  });
});
