/**
 * The saga-facing payment operations, against ports (provider + table). The provider
 * handed in is already guarded by the circuit breaker.
 *
 * Exactly-once money movement rests on two keys: `charge-<orderId>` and
 * `refund-<paymentId>`, sent as the provider's Idempotency-Key on every attempt. The
 * table records intent before each provider call, so a retry after a timeout asks the
 * provider again with the same key and gets the first answer instead of a second charge.
 */
import * as z from 'zod/mini';
import { currencySchema, customerIdSchema, orderIdSchema } from '@order-platform/shared/events/orders';
import { ChargeConflictError, ChargeNotRefundableError, PaymentDeclinedError } from './errors';
import type { ChargeRecord, PaymentProvider, PaymentsStore, RefundRecord } from './ports';

export const chargeInputSchema = z.object({
  orderId: orderIdSchema,
  amount: z.number().check(z.int(), z.positive(), z.maximum(100_000_000)),
  currency: currencySchema,
  customerId: customerIdSchema,
  /** Accepted for the saga's convenience; payments never resumes a workflow itself. */
  taskToken: z.optional(z.string()),
  correlationId: z.optional(z.string()),
});
export type ChargeInput = z.infer<typeof chargeInputSchema>;

export const refundInputSchema = z.object({
  orderId: orderIdSchema,
  reason: z.optional(z.string().check(z.maxLength(500))),
  correlationId: z.optional(z.string()),
});
export type RefundInput = z.infer<typeof refundInputSchema>;

export const orderLookupSchema = z.object({ orderId: orderIdSchema });

export interface ChargeResult {
  orderId: string;
  paymentId: string;
  status: 'PENDING';
}

export interface RefundResult {
  orderId: string;
  /** REFUNDED: the provider accepted the refund (its webhook confirms it later). */
  status: 'REFUNDED' | 'NOTHING_TO_REFUND';
  refund?: { refundId: string; paymentId: string; amount: number; currency: string };
}

export interface PaymentView {
  orderId: string;
  charge: Omit<ChargeRecord, 'idempotencyKey'> | null;
  refunds: Omit<RefundRecord, 'idempotencyKey'>[];
}

export interface PaymentDeps {
  store: PaymentsStore;
  provider: PaymentProvider;
  now: () => Date;
}

export const chargeKey = (orderId: string) => `charge-${orderId}`;
export const refundKey = (paymentId: string) => `refund-${paymentId}`;

export function chargePayment({ store, provider, now }: PaymentDeps) {
  return async (input: ChargeInput): Promise<ChargeResult> => {
    const { orderId, amount, currency, customerId } = input;
    let record = await store.getCharge(orderId);
    if (!record) {
      const at = now().toISOString();
      const fresh: ChargeRecord = {
        orderId,
        customerId,
        amount,
        currency,
        status: 'REQUESTED',
        idempotencyKey: chargeKey(orderId),
        createdAt: at,
        updatedAt: at,
      };
      record = (await store.createCharge(fresh)) ? fresh : await store.getCharge(orderId);
      if (!record) throw new Error(`Charge record for ${orderId} vanished`);
    }
    if (record.amount !== amount || record.currency !== currency) {
      throw new ChargeConflictError(
        `Order ${orderId} was charged ${record.amount} ${record.currency}, not ${amount} ${currency}`,
      );
    }
    switch (record.status) {
      case 'PENDING':
        return { orderId, paymentId: record.paymentId!, status: 'PENDING' };
      case 'DECLINED':
        throw new PaymentDeclinedError(record.declineReason ?? 'declined', record.paymentId);
      case 'VOIDED':
        throw new ChargeConflictError(`Order ${orderId}'s charge was voided by a compensation`);
      case 'REQUESTED':
        break;
    }
    // Never attempted, or the last attempt's outcome is unknown: the same key makes the
    // provider answer with the first result if it did create the charge.
    try {
      const charge = await provider.charge({ orderId, amount, currency, customerId }, record.idempotencyKey);
      await store.updateCharge(
        orderId,
        'REQUESTED',
        { status: 'PENDING', paymentId: charge.id },
        now().toISOString(),
      );
      return { orderId, paymentId: charge.id, status: 'PENDING' };
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        await store.updateCharge(
          orderId,
          'REQUESTED',
          {
            status: 'DECLINED',
            declineReason: error.reason,
            ...(error.paymentId ? { paymentId: error.paymentId } : {}),
          },
          now().toISOString(),
        );
      }
      throw error;
    }
  };
}

const nothing = (orderId: string): RefundResult => ({ orderId, status: 'NOTHING_TO_REFUND' });

export function refundPayment({ store, provider, now }: PaymentDeps) {
  return async (input: RefundInput): Promise<RefundResult> => {
    const { orderId } = input;
    let charge = await store.getCharge(orderId);
    if (!charge || charge.status === 'DECLINED' || charge.status === 'VOIDED') return nothing(orderId);
    if (charge.status === 'REQUESTED') {
      // The charge call's outcome is unknown (timeout, crash): ask the provider what exists.
      const found = (await provider.findCharges(orderId)).find((c) => c.status !== 'failed');
      const at = now().toISOString();
      if (!found) {
        await store.updateCharge(orderId, 'REQUESTED', { status: 'VOIDED' }, at);
        return nothing(orderId);
      }
      await store.updateCharge(orderId, 'REQUESTED', { status: 'PENDING', paymentId: found.id }, at);
      charge = { ...charge, status: 'PENDING', paymentId: found.id };
    }
    const paymentId = charge.paymentId!;
    let refund = await store.getRefund(orderId, paymentId);
    if (!refund) {
      const at = now().toISOString();
      const fresh: RefundRecord = {
        orderId,
        paymentId,
        amount: charge.amount,
        currency: charge.currency,
        status: 'REQUESTED',
        idempotencyKey: refundKey(paymentId),
        ...(input.reason ? { reason: input.reason } : {}),
        createdAt: at,
        updatedAt: at,
      };
      refund = (await store.createRefund(fresh)) ? fresh : await store.getRefund(orderId, paymentId);
      if (!refund) throw new Error(`Refund record for ${paymentId} vanished`);
    }
    const done = (r: RefundRecord): RefundResult => ({
      orderId,
      status: 'REFUNDED',
      refund: { refundId: r.refundId!, paymentId, amount: r.amount, currency: r.currency },
    });
    if (refund.status === 'ACCEPTED') return done(refund);
    if (refund.status === 'NOT_REFUNDABLE') return nothing(orderId);
    try {
      const accepted = await provider.refund({ paymentId, amount: refund.amount }, refund.idempotencyKey);
      await store.updateRefund(
        orderId,
        paymentId,
        { status: 'ACCEPTED', refundId: accepted.id },
        now().toISOString(),
      );
      return done({ ...refund, refundId: accepted.id });
    } catch (error) {
      if (error instanceof ChargeNotRefundableError) {
        // The charge failed at the provider (declined after acceptance): no money moved.
        await store.updateRefund(orderId, paymentId, { status: 'NOT_REFUNDABLE' }, now().toISOString());
        return nothing(orderId);
      }
      throw error;
    }
  };
}

export function getPaymentByOrder(store: PaymentsStore) {
  return async (orderId: string): Promise<PaymentView> => {
    const { charge, refunds } = await store.listByOrder(orderId);
    const strip = <T extends { idempotencyKey: string }>({ idempotencyKey: _k, ...rest }: T) => rest;
    return { orderId, charge: charge ? strip(charge) : null, refunds: refunds.map(strip) };
  };
}

/** Every provider call goes through the circuit breaker. */
export function guardProvider(
  provider: PaymentProvider,
  breaker: { execute<T>(call: () => Promise<T>): Promise<T> },
): PaymentProvider {
  return {
    charge: (request, key) => breaker.execute(() => provider.charge(request, key)),
    refund: (request, key) => breaker.execute(() => provider.refund(request, key)),
    findCharges: (orderId) => breaker.execute(() => provider.findCharges(orderId)),
  };
}
