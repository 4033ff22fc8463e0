import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from './circuit-breaker';
import {
  ChargeConflictError,
  ChargeNotRefundableError,
  PaymentDeclinedError,
  PaymentOutcomeUnknownError,
  ProviderUnavailableError,
} from './errors';
import {
  chargeInputSchema,
  chargePayment,
  mayHaveCharged,
  refundCapture,
  refundPayment,
  settlePayment,
  type ChargeInput,
} from './payments';
import type { ChargeRecord, PaymentProvider, PaymentsStore, ProviderCharge, RefundRecord } from './ports';

function memoryStore(): PaymentsStore & {
  charges: Map<string, ChargeRecord>;
  refunds: Map<string, RefundRecord>;
} {
  const charges = new Map<string, ChargeRecord>();
  const refunds = new Map<string, RefundRecord>();
  const countCall = (o: string, field: 'callsStarted' | 'callsNotSent', now: string) => {
    const c = charges.get(o);
    if (!c || c.status !== 'REQUESTED') return undefined;
    const next = { ...c, [field]: c[field] + 1, updatedAt: now };
    charges.set(o, next);
    return { ...next };
  };
  const rkey = (o: string, k: string) => `${o}|${k}`;
  return {
    charges,
    refunds,
    getCharge: async (o) => (charges.has(o) ? { ...charges.get(o)! } : undefined),
    createCharge: async (r) => (charges.has(r.orderId) ? false : (charges.set(r.orderId, { ...r }), true)),
    startChargeCall: async (o, now) => countCall(o, 'callsStarted', now),
    noteChargeCallNotSent: async (o, now) => void countCall(o, 'callsNotSent', now),
    updateCharge: async (o, from, patch, now) => {
      const c = charges.get(o);
      if (!c || !from.includes(c.status)) return false;
      charges.set(o, { ...c, ...patch, updatedAt: now });
      return true;
    },
    getRefund: async (o, k) => (refunds.has(rkey(o, k)) ? { ...refunds.get(rkey(o, k))! } : undefined),
    createRefund: async (r) =>
      refunds.has(rkey(r.orderId, r.idempotencyKey))
        ? false
        : (refunds.set(rkey(r.orderId, r.idempotencyKey), { ...r }), true),
    updateRefund: async (o, k, patch, now) => {
      const r = refunds.get(rkey(o, k))!;
      const order = ['REQUESTED', 'ACCEPTED', 'NOT_REFUNDABLE', 'SUCCEEDED'];
      if (order.indexOf(patch.status) > order.indexOf(r.status))
        refunds.set(rkey(o, k), { ...r, ...patch, updatedAt: now });
    },
    listByOrder: async (o) => ({
      charge: charges.get(o),
      refunds: [...refunds.values()].filter((r) => r.orderId === o),
    }),
  };
}

/** A provider fake that honours idempotency keys like the real one. */
function fakeProvider(
  behaviour: { charge?: () => Promise<never> | undefined; refund?: () => Promise<never> | undefined } = {},
) {
  const byKey = new Map<string, unknown>();
  const calls = { charge: 0, refund: 0, find: 0 };
  const created: ProviderCharge[] = [];
  const provider: PaymentProvider = {
    async charge(req, key) {
      calls.charge++;
      const failure = behaviour.charge?.();
      if (failure) return failure;
      if (!byKey.has(key)) {
        const c: ProviderCharge = {
          id: `pay_${created.length + 1}`,
          orderId: req.orderId,
          amount: req.amount,
          currency: req.currency,
          status: 'pending',
        };
        created.push(c);
        byKey.set(key, c);
      }
      return byKey.get(key) as ProviderCharge;
    },
    async refund(req, key) {
      calls.refund++;
      const failure = behaviour.refund?.();
      if (failure) return failure;
      if (!byKey.has(key))
        byKey.set(key, {
          id: `re_${byKey.size}`,
          paymentId: req.paymentId,
          amount: req.amount,
          status: 'pending',
        });
      return byKey.get(key) as never;
    },
    async findCharges(orderId) {
      calls.find++;
      return created.filter((c) => c.orderId === orderId);
    },
  };
  return { provider, calls, created };
}

const now = () => new Date('2026-11-22T10:00:00.000Z');
const input: ChargeInput = {
  orderId: 'ord_01JD0000000000000000000001',
  amount: 2599,
  currency: 'EUR',
  customerId: 'cust-1',
};

describe('chargePayment', () => {
  it('charges once per order: a repeat answers from the table without calling the provider', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider();
    const charge = chargePayment({ store, provider, now });
    const first = await charge(input);
    const again = await charge(input);
    expect(first).toEqual({ orderId: input.orderId, paymentId: 'pay_1', status: 'PENDING' });
    expect(again).toEqual(first);
    expect(calls.charge).toBe(1);
  });

  it('retries an unknown outcome with the same idempotency key (one charge at the provider)', async () => {
    const store = memoryStore();
    let down = true;
    const { provider, created } = fakeProvider({
      charge: () => (down ? Promise.reject(new PaymentOutcomeUnknownError('timeout', 'slow')) : undefined),
    });
    const charge = chargePayment({ store, provider, now });
    await expect(charge(input)).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(store.charges.get(input.orderId)).toMatchObject({
      status: 'REQUESTED',
      callsStarted: 1,
      callsNotSent: 0,
    });
    down = false;
    expect((await charge(input)).paymentId).toBe('pay_1');
    expect(created).toHaveLength(1);
  });

  it('reports "not charged" only while every call so far provably moved nothing', async () => {
    const store = memoryStore();
    const failures: Error[] = [
      new ProviderUnavailableError('unavailable', '503'),
      new CircuitOpenError('payment-provider', 0),
    ];
    const { provider } = fakeProvider({ charge: () => Promise.reject(failures.shift()!) });
    const charge = chargePayment({ store, provider, now });
    await expect(charge(input)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(charge(input)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(store.charges.get(input.orderId)).toMatchObject({ callsStarted: 2, callsNotSent: 2 });
    expect(mayHaveCharged(store.charges.get(input.orderId)!)).toBe(false);
  });

  it('turns a later "not sent" into an unknown outcome when an earlier call may have charged', async () => {
    const store = memoryStore();
    const failures: Error[] = [
      new PaymentOutcomeUnknownError('server-error', '500 after processing'),
      new CircuitOpenError('payment-provider', 0),
    ];
    const { provider } = fakeProvider({ charge: () => Promise.reject(failures.shift()!) });
    const charge = chargePayment({ store, provider, now });
    await expect(charge(input)).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    const second = await charge(input).catch((e: unknown) => e as PaymentOutcomeUnknownError);
    expect(second).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'earlier-attempt' });
  });

  it('records a decline and repeats it without another provider call', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider({
      charge: () => Promise.reject(new PaymentDeclinedError('card_declined', 'pay_x')),
    });
    const charge = chargePayment({ store, provider, now });
    await expect(charge(input)).rejects.toBeInstanceOf(PaymentDeclinedError);
    const again = await charge(input).catch((e: unknown) => e as PaymentDeclinedError);
    expect(again).toMatchObject({
      name: 'PaymentDeclinedError',
      reason: 'card_declined',
      paymentId: 'pay_x',
    });
    expect(calls.charge).toBe(1);
  });

  it('refuses the same order with another amount', async () => {
    const store = memoryStore();
    const charge = chargePayment({ store, provider: fakeProvider().provider, now });
    await charge(input);
    await expect(charge({ ...input, amount: 1 })).rejects.toBeInstanceOf(ChargeConflictError);
  });
});

describe('refundPayment', () => {
  it('refunds a charge exactly once, however often it is asked', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider();
    await chargePayment({ store, provider, now })(input);
    const refund = refundPayment({ store, provider, now });
    const results = await Promise.all([
      refund({ orderId: input.orderId }),
      refund({ orderId: input.orderId }),
      refund({ orderId: input.orderId }),
    ]);
    expect(new Set(results.map((r) => r.refund?.refundId)).size).toBe(1);
    expect(results[0]).toMatchObject({
      status: 'REFUNDED',
      refund: { paymentId: 'pay_1', amount: 2599, currency: 'EUR' },
    });
    expect(await refund({ orderId: input.orderId })).toEqual(results[0]);
    expect(calls.refund).toBeLessThanOrEqual(3); // concurrent first calls may each ask, with the same key
    expect([...store.refunds.values()]).toHaveLength(1);
  });

  it('has nothing to refund for an order never charged or declined', async () => {
    const store = memoryStore();
    const { provider } = fakeProvider({
      charge: () => Promise.reject(new PaymentDeclinedError('card_declined')),
    });
    expect(await refundPayment({ store, provider, now })({ orderId: input.orderId })).toEqual({
      orderId: input.orderId,
      status: 'NOTHING_TO_REFUND',
    });
    await chargePayment({ store, provider, now })(input).catch(() => undefined);
    expect((await refundPayment({ store, provider, now })({ orderId: input.orderId })).status).toBe(
      'NOTHING_TO_REFUND',
    );
  });

  it('resolves an unknown charge outcome at the provider before refunding', async () => {
    const store = memoryStore();
    let lost = true;
    // The provider creates the charge but the answer never arrives.
    const inner = fakeProvider();
    const provider: PaymentProvider = {
      ...inner.provider,
      charge: async (req, key) => {
        const c = await inner.provider.charge(req, key);
        if (lost) throw new PaymentOutcomeUnknownError('timeout', 'lost answer');
        return c;
      },
    };
    await chargePayment({ store, provider, now })(input).catch(() => undefined);
    lost = false;
    const result = await refundPayment({ store, provider, now })({ orderId: input.orderId });
    expect(result).toMatchObject({ status: 'REFUNDED', refund: { paymentId: 'pay_1' } });
    expect(store.charges.get(input.orderId)).toMatchObject({ status: 'PENDING', paymentId: 'pay_1' });
  });

  it('voids an unknown charge outcome the provider never saw', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider({
      charge: () => Promise.reject(new PaymentOutcomeUnknownError('timeout', 'hang')),
    });
    await chargePayment({ store, provider, now })(input).catch(() => undefined);
    expect((await refundPayment({ store, provider, now })({ orderId: input.orderId })).status).toBe(
      'NOTHING_TO_REFUND',
    );
    expect(calls.find).toBe(1);
    expect(store.charges.get(input.orderId)!.status).toBe('VOIDED');
    await expect(chargePayment({ store, provider, now })(input)).rejects.toBeInstanceOf(ChargeConflictError);
  });

  it('voids a charge no call of which reached the provider, without asking it', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider({
      charge: () => Promise.reject(new CircuitOpenError('payment-provider', 0)),
    });
    await chargePayment({ store, provider, now })(input).catch(() => undefined);
    expect((await refundPayment({ store, provider, now })({ orderId: input.orderId })).status).toBe(
      'NOTHING_TO_REFUND',
    );
    expect(calls.find).toBe(0);
    expect(store.charges.get(input.orderId)!.status).toBe('VOIDED');
  });

  it('refunds every capture the provider holds for an order whose outcome was unknown', async () => {
    const store = memoryStore();
    const inner = fakeProvider();
    const provider: PaymentProvider = {
      ...inner.provider,
      charge: async (req, key) => {
        await inner.provider.charge(req, key);
        await inner.provider.charge(req, `${key}-ghost`); // the provider captured twice
        throw new PaymentOutcomeUnknownError('server-error', '500');
      },
    };
    await chargePayment({ store, provider, now })(input).catch(() => undefined);
    const result = await refundPayment({ store, provider, now })({ orderId: input.orderId });
    expect(result.refunds?.map((r) => r.paymentId)).toEqual(['pay_1', 'pay_2']);
  });

  it('treats a charge that failed after acceptance as nothing to refund', async () => {
    const store = memoryStore();
    const { provider } = fakeProvider({
      refund: () => Promise.reject(new ChargeNotRefundableError('failed')),
    });
    await chargePayment({ store, provider, now })(input);
    expect((await refundPayment({ store, provider, now })({ orderId: input.orderId })).status).toBe(
      'NOTHING_TO_REFUND',
    );
    expect([...store.refunds.values()][0]!.status).toBe('NOT_REFUNDABLE');
  });
});

describe('refundCapture (the reconciler)', () => {
  it('shares the saga refund of a whole capture (one key, one provider refund)', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider();
    await chargePayment({ store, provider, now })(input);
    await refundPayment({ store, provider, now })({ orderId: input.orderId });
    const again = await refundCapture({ store, provider, now })({
      orderId: input.orderId,
      paymentId: 'pay_1',
      amount: 2599,
      currency: 'EUR',
      idempotencyKey: 'refund-pay_1',
      reason: 'capture on a FAILED order',
    });
    expect(again.status).toBe('REFUNDED');
    expect(calls.refund).toBe(1);
  });

  it('refunds an excess under its own key', async () => {
    const store = memoryStore();
    const { provider, calls } = fakeProvider();
    await chargePayment({ store, provider, now })(input);
    const r = await refundCapture({ store, provider, now })({
      orderId: input.orderId,
      paymentId: 'pay_1',
      amount: 99,
      currency: 'EUR',
      idempotencyKey: 'refund-excess-pay_1',
      reason: 'captured more than the order total',
    });
    expect(r.refund).toMatchObject({ amount: 99, paymentId: 'pay_1' });
    expect(calls.refund).toBe(1);
  });
});

describe('settlePayment', () => {
  it('settles the charge on the capture, the refund on its confirmation, and ignores repeats', async () => {
    const store = memoryStore();
    const { provider } = fakeProvider();
    await chargePayment({ store, provider, now })(input);
    const settle = settlePayment({ store, now });
    const o = input.orderId;
    expect(await settle({ kind: 'captured', orderId: o, paymentId: 'pay_1' })).toBe('settled');
    expect(await settle({ kind: 'captured', orderId: o, paymentId: 'pay_1' })).toBe('already');
    expect(await settle({ kind: 'captured', orderId: o, paymentId: 'pay_other' })).toBe('not-this-charge');
    expect(store.charges.get(o)!.status).toBe('SUCCEEDED');
    const refunded = await refundPayment({ store, provider, now })({ orderId: o });
    const refundId = refunded.refund!.refundId;
    expect(await settle({ kind: 'refunded', orderId: o, paymentId: 'pay_1', refundId })).toBe('settled');
    expect([...store.refunds.values()][0]!.status).toBe('SUCCEEDED');
  });

  it('settles a failure after acceptance', async () => {
    const store = memoryStore();
    await chargePayment({ store, provider: fakeProvider().provider, now })(input);
    await settlePayment({ store, now })({
      kind: 'failed',
      orderId: input.orderId,
      paymentId: 'pay_1',
      reason: 'insufficient_funds',
    });
    expect(store.charges.get(input.orderId)).toMatchObject({
      status: 'FAILED',
      declineReason: 'insufficient_funds',
    });
  });
});

describe('the charge input', () => {
  it('accepts an order without a known contact (null, as the saga passes it for older orders)', () => {
    expect(chargeInputSchema.safeParse({ ...input, customerEmail: null }).success).toBe(true);
    expect(chargeInputSchema.safeParse({ ...input, customerEmail: 'not-an-email' }).success).toBe(false);
  });
});
