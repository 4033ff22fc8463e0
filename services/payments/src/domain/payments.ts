/**
 * The saga-facing payment operations, against ports (provider + table). The provider
 * handed in is already guarded by the circuit breaker.
 *
 * Exactly-once money movement rests on two keys: `charge-<orderId>` and
 * `refund-<paymentId>`, sent as the provider's Idempotency-Key on every attempt. The
 * table records intent before each provider call, so a retry after a timeout asks the
 * provider again with the same key and gets the first answer instead of a second charge.
 *
 * Every charge failure ends in one of three classes (errors.ts), and the charge record
 * keeps what is needed to tell them apart across attempts: a call that provably never
 * reached the provider is counted in `callsNotSent`, so "every call so far was not sent"
 * is the only way a failure is reported as "not charged". Anything else is an unknown
 * outcome, resolved by refundPayment: it looks the charge up and refunds what exists.
 */
import * as z from 'zod/mini';
import { emailSchema } from '@order-platform/shared/events/billing/common';
import { currencySchema, customerIdSchema, orderIdSchema } from '@order-platform/shared/events/orders';
import { CircuitOpenError } from './circuit-breaker';
import {
  ChargeConflictError,
  ChargeNotRefundableError,
  PaymentDeclinedError,
  PaymentOutcomeUnknownError,
  PaymentRequestRejectedError,
  ProviderUnavailableError,
} from './errors';
import type { ChargeRecord, PaymentProvider, PaymentsStore, ProviderCharge, RefundRecord } from './ports';

export const chargeInputSchema = z.object({
  orderId: orderIdSchema,
  amount: z.number().check(z.int(), z.positive(), z.maximum(100_000_000)),
  currency: currencySchema,
  customerId: customerIdSchema,
  /** The customer's contact, passed to the provider for its receipt and echoed in its webhooks (null: none known). */
  customerEmail: z.optional(z.nullable(emailSchema)),
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

const refundKeySchema = z.string().check(z.regex(/^refund-[A-Za-z0-9_-]{3,180}$/, 'must be refund-<id>'));

/** The reconciler's request: refund this much of one capture, under this key (one per finding). */
export const refundCaptureInputSchema = z.object({
  orderId: orderIdSchema,
  paymentId: z.string().check(z.regex(/^[A-Za-z0-9_-]{3,128}$/, 'must be a provider payment id')),
  amount: z.number().check(z.int(), z.positive(), z.maximum(100_000_000)),
  currency: currencySchema,
  idempotencyKey: refundKeySchema,
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  correlationId: z.optional(z.string()),
});
export type RefundCaptureInput = z.infer<typeof refundCaptureInputSchema>;

export const orderLookupSchema = z.object({ orderId: orderIdSchema });

export interface ChargeResult {
  orderId: string;
  paymentId: string;
  status: 'PENDING';
}

export interface RefundedCapture {
  refundId: string;
  paymentId: string;
  amount: number;
  currency: string;
}

export interface RefundResult {
  orderId: string;
  /** REFUNDED: the provider accepted the refund (its webhook confirms it later). */
  status: 'REFUNDED' | 'NOTHING_TO_REFUND';
  /** The first refund (the order's own charge); `refunds` lists every one. */
  refund?: RefundedCapture;
  refunds?: RefundedCapture[];
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

/** Did any call made so far for this charge possibly reach the provider? */
export function mayHaveCharged(record: Pick<ChargeRecord, 'callsStarted' | 'callsNotSent'>): boolean {
  return (record.callsStarted ?? 0) > (record.callsNotSent ?? 0);
}

/** Failures after which the provider provably holds no charge from this call. */
const movedNothing = (error: unknown) =>
  error instanceof ProviderUnavailableError ||
  error instanceof CircuitOpenError ||
  error instanceof PaymentRequestRejectedError;

/**
 * The order's charge record, with the call about to be made counted: a new record counts
 * its first call, a REQUESTED one counts one more. Settled records come back as they are.
 */
async function chargeRecordForCall(
  store: PaymentsStore,
  input: ChargeInput,
  at: () => string,
): Promise<ChargeRecord> {
  const { orderId } = input;
  const existing = await store.getCharge(orderId);
  if (!existing) {
    const fresh: ChargeRecord = {
      orderId,
      customerId: input.customerId,
      amount: input.amount,
      currency: input.currency,
      status: 'REQUESTED',
      idempotencyKey: chargeKey(orderId),
      callsStarted: 1,
      callsNotSent: 0,
      createdAt: at(),
      updatedAt: at(),
    };
    if (await store.createCharge(fresh)) return fresh;
  }
  const current = existing ?? (await store.getCharge(orderId));
  if (!current) throw new Error(`Charge record for ${orderId} vanished`);
  if (current.status !== 'REQUESTED') return current;
  return (await store.startChargeCall(orderId, at())) ?? (await store.getCharge(orderId))!;
}

export function chargePayment({ store, provider, now }: PaymentDeps) {
  return async (input: ChargeInput): Promise<ChargeResult> => {
    const { orderId, amount, currency, customerId } = input;
    const at = () => now().toISOString();
    const record = await chargeRecordForCall(store, input, at);
    if (record.amount !== amount || record.currency !== currency) {
      throw new ChargeConflictError(
        `Order ${orderId} was charged ${record.amount} ${record.currency}, not ${amount} ${currency}`,
      );
    }
    switch (record.status) {
      case 'PENDING':
      case 'SUCCEEDED':
        return { orderId, paymentId: record.paymentId!, status: 'PENDING' };
      case 'DECLINED':
      case 'FAILED':
        throw new PaymentDeclinedError(record.declineReason ?? 'declined', record.paymentId);
      case 'VOIDED':
        throw new ChargeConflictError(`Order ${orderId}'s charge was voided by a compensation`);
      case 'REQUESTED':
        break;
    }
    // Never attempted, or an earlier attempt's outcome is unknown: the same key makes the
    // provider answer with the first result if it did create the charge.
    // A record written before calls were counted has none: this call is its first known one.
    const earlierMayHaveCharged = mayHaveCharged({ ...record, callsStarted: (record.callsStarted ?? 1) - 1 });
    try {
      const charge = await provider.charge(
        {
          orderId,
          amount,
          currency,
          customerId,
          ...(input.customerEmail ? { customerEmail: input.customerEmail } : {}),
          ...(input.correlationId ? { metadata: { correlationId: input.correlationId } } : {}),
        },
        record.idempotencyKey,
      );
      // A webhook may have settled the record first (SUCCEEDED): then this write is a no-op.
      await store.updateCharge(orderId, ['REQUESTED'], { status: 'PENDING', paymentId: charge.id }, at());
      return { orderId, paymentId: charge.id, status: 'PENDING' };
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        await store.updateCharge(
          orderId,
          ['REQUESTED'],
          {
            status: 'DECLINED',
            declineReason: error.reason,
            ...(error.paymentId ? { paymentId: error.paymentId } : {}),
          },
          at(),
        );
        throw error;
      }
      if (movedNothing(error)) {
        await store.noteChargeCallNotSent(orderId, at());
        if (earlierMayHaveCharged) {
          throw new PaymentOutcomeUnknownError(
            'earlier-attempt',
            `An earlier charge attempt for ${orderId} may have reached the provider, and this one could not ask (${(error as Error).name})`,
          );
        }
      }
      throw error;
    }
  };
}

const nothing = (orderId: string): RefundResult => ({ orderId, status: 'NOTHING_TO_REFUND' });

/**
 * Refunds one capture once: the record (keyed by the provider's Idempotency-Key) is
 * written before the call, an accepted refund is never asked for again.
 */
function refundOnce({ store, provider, now }: PaymentDeps) {
  return async (
    target: { orderId: string; paymentId: string; amount: number; currency: string },
    key: string,
    reason: string | undefined,
  ): Promise<RefundedCapture | undefined> => {
    const { orderId, paymentId } = target;
    let refund = await store.getRefund(orderId, key);
    if (!refund) {
      const at = now().toISOString();
      const fresh: RefundRecord = {
        ...target,
        status: 'REQUESTED',
        idempotencyKey: key,
        ...(reason ? { reason } : {}),
        createdAt: at,
        updatedAt: at,
      };
      refund = (await store.createRefund(fresh)) ? fresh : await store.getRefund(orderId, key);
      if (!refund) throw new Error(`Refund record ${key} vanished`);
    }
    const done = (r: RefundRecord): RefundedCapture => ({
      refundId: r.refundId!,
      paymentId,
      amount: r.amount,
      currency: r.currency,
    });
    if (refund.status === 'ACCEPTED' || refund.status === 'SUCCEEDED') return done(refund);
    if (refund.status === 'NOT_REFUNDABLE') return undefined;
    try {
      const accepted = await provider.refund({ paymentId, amount: refund.amount }, refund.idempotencyKey);
      await store.updateRefund(
        orderId,
        key,
        { status: 'ACCEPTED', refundId: accepted.id },
        now().toISOString(),
      );
      return done({ ...refund, refundId: accepted.id });
    } catch (error) {
      if (error instanceof ChargeNotRefundableError) {
        // The charge failed at the provider (declined after acceptance): no money moved.
        await store.updateRefund(orderId, key, { status: 'NOT_REFUNDABLE' }, now().toISOString());
        return undefined;
      }
      throw error;
    }
  };
}

export function refundPayment(deps: PaymentDeps) {
  const refundOne = refundOnce(deps);
  return async (input: RefundInput): Promise<RefundResult> => {
    const { store, provider, now } = deps;
    const { orderId } = input;
    const charge = await store.getCharge(orderId);
    if (!charge || ['DECLINED', 'FAILED', 'VOIDED'].includes(charge.status)) return nothing(orderId);
    let targets: Pick<ProviderCharge, 'id' | 'amount' | 'currency'>[];
    if (charge.status === 'REQUESTED') {
      const at = now().toISOString();
      // No call ever reached the provider (refused, circuit open): nothing to look up.
      const found = mayHaveCharged(charge)
        ? (await provider.findCharges(orderId)).filter((c) => c.status !== 'failed')
        : [];
      if (found.length === 0) {
        // A charge the provider creates after this look-up is a capture on a failed
        // order: the reconciler refunds it.
        await store.updateCharge(orderId, ['REQUESTED'], { status: 'VOIDED' }, at);
        return nothing(orderId);
      }
      await store.updateCharge(orderId, ['REQUESTED'], { status: 'PENDING', paymentId: found[0]!.id }, at);
      targets = found;
    } else {
      targets = [{ id: charge.paymentId!, amount: charge.amount, currency: charge.currency }];
    }
    const refunds: RefundedCapture[] = [];
    for (const target of targets) {
      const done = await refundOne(
        { orderId, paymentId: target.id, amount: target.amount, currency: target.currency },
        refundKey(target.id),
        input.reason,
      );
      if (done) refunds.push(done);
    }
    if (refunds.length === 0) return nothing(orderId);
    return { orderId, status: 'REFUNDED', refund: refunds[0]!, refunds };
  };
}

/** The reconciler's refund of one capture (a second capture, one on a failed order, an excess). */
export function refundCapture(deps: PaymentDeps) {
  const refundOne = refundOnce(deps);
  return async (input: RefundCaptureInput): Promise<RefundResult> => {
    const done = await refundOne(
      { orderId: input.orderId, paymentId: input.paymentId, amount: input.amount, currency: input.currency },
      input.idempotencyKey,
      input.reason,
    );
    return done
      ? { orderId: input.orderId, status: 'REFUNDED', refund: done, refunds: [done] }
      : nothing(input.orderId);
  };
}

/** What the provider said later (its webhooks, through the ledger's events). */
export type Settlement =
  | { kind: 'captured'; orderId: string; paymentId: string }
  | { kind: 'failed'; orderId: string; paymentId: string; reason: string }
  | { kind: 'refunded'; orderId: string; paymentId: string; refundId?: string };

export type SettleResult = 'settled' | 'already' | 'not-this-charge' | 'unknown-order';

/**
 * Settles the records on the provider's outcome: the charge SUCCEEDED or FAILED, a
 * refund SUCCEEDED. Idempotent; a capture of another payment id than the order's charge
 * (a double capture) or of a voided charge is left to the reconciler, which compares
 * the ledger with the orders.
 */
export function settlePayment({ store, now }: Pick<PaymentDeps, 'store' | 'now'>) {
  return async (s: Settlement): Promise<SettleResult> => {
    const at = now().toISOString();
    const { charge, refunds } = await store.listByOrder(s.orderId);
    if (!charge) return 'unknown-order';
    if (s.kind === 'refunded') {
      const refund = refunds.find((r) =>
        s.refundId ? r.refundId === s.refundId : r.paymentId === s.paymentId && r.status === 'ACCEPTED',
      );
      if (!refund) return 'not-this-charge';
      if (refund.status === 'SUCCEEDED') return 'already';
      await store.updateRefund(s.orderId, refund.idempotencyKey, { status: 'SUCCEEDED' }, at);
      return 'settled';
    }
    const ours = charge.paymentId === s.paymentId || (charge.status === 'REQUESTED' && !charge.paymentId);
    if (!ours) return 'not-this-charge';
    const target = s.kind === 'captured' ? 'SUCCEEDED' : 'FAILED';
    if (charge.status === target) return 'already';
    const moved = await store.updateCharge(
      s.orderId,
      ['REQUESTED', 'PENDING'],
      {
        status: target,
        paymentId: s.paymentId,
        ...(s.kind === 'failed' ? { declineReason: s.reason } : {}),
      },
      at,
    );
    return moved ? 'settled' : 'not-this-charge';
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
