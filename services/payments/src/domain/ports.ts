/** Ports of the payments service: the provider and the payments table. */

export interface ProviderCharge {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
}

export interface ProviderRefund {
  id: string;
  paymentId: string;
  amount: number;
  status: 'pending' | 'succeeded';
}

export interface ChargeRequest {
  orderId: string;
  amount: number;
  currency: string;
  customerId: string;
  /** Where the provider sends its receipt; echoed in its webhooks (billing records need it). */
  customerEmail?: string;
  /** Echoed by the provider in every webhook about this charge (the order's correlation id). */
  metadata?: Record<string, string>;
}

/**
 * Only what identifies the refund: the provider refuses a key reused with another body,
 * and the saga and the reconciler may both ask for the same refund under one key.
 */
export interface RefundRequest {
  paymentId: string;
  amount: number;
}

/**
 * The external payment provider. Errors: PaymentDeclinedError, ProviderUnavailableError
 * (provably not processed), PaymentOutcomeUnknownError (maybe processed, answer lost),
 * PaymentRequestRejectedError, ChargeNotRefundableError (refund of a failed charge).
 */
export interface PaymentProvider {
  charge(request: ChargeRequest, idempotencyKey: string): Promise<ProviderCharge>;
  refund(request: RefundRequest, idempotencyKey: string): Promise<ProviderRefund>;
  findCharges(orderId: string): Promise<ProviderCharge[]>;
}

/**
 * REQUESTED: written before the first provider call; while REQUESTED, `callsStarted` and
 * `callsNotSent` tell whether any call may have reached the provider.
 * PENDING: the provider accepted it; its webhook settles it to SUCCEEDED (captured) or
 * FAILED. DECLINED: refused at once. VOIDED: a compensation established that no charge
 * exists at the provider.
 */
export type ChargeStatus = 'REQUESTED' | 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'DECLINED' | 'VOIDED';

export interface ChargeRecord {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  idempotencyKey: string;
  /** Provider calls begun for this charge, and those that provably never reached it. */
  callsStarted: number;
  callsNotSent: number;
  paymentId?: string;
  declineReason?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * REQUESTED before the provider call; ACCEPTED once the provider took it; SUCCEEDED when
 * its webhook confirmed the money went back; NOT_REFUNDABLE for a charge that failed.
 */
export type RefundStatus = 'REQUESTED' | 'ACCEPTED' | 'SUCCEEDED' | 'NOT_REFUNDABLE';

export interface RefundRecord {
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  /** The provider's Idempotency-Key, also this record's identity within the order. */
  idempotencyKey: string;
  refundId?: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

export type ChargePatch = Partial<Pick<ChargeRecord, 'status' | 'paymentId' | 'declineReason'>>;

export interface PaymentsStore {
  getCharge(orderId: string): Promise<ChargeRecord | undefined>;
  /** Creates the record only if the order has none; false otherwise. */
  createCharge(record: ChargeRecord): Promise<boolean>;
  /**
   * Counts a provider call about to begin on a REQUESTED charge and returns the record as
   * it now stands; undefined when the charge is no longer REQUESTED.
   */
  startChargeCall(orderId: string, now: string): Promise<ChargeRecord | undefined>;
  /** Counts a call of a REQUESTED charge that provably never reached the provider. */
  noteChargeCallNotSent(orderId: string, now: string): Promise<void>;
  /** Updates a charge whose status is one of `from`; false if it moved on. */
  updateCharge(
    orderId: string,
    from: readonly ChargeStatus[],
    patch: ChargePatch,
    now: string,
  ): Promise<boolean>;
  getRefund(orderId: string, idempotencyKey: string): Promise<RefundRecord | undefined>;
  createRefund(record: RefundRecord): Promise<boolean>;
  /** Moves a refund forward; never back from ACCEPTED/SUCCEEDED to an earlier status. */
  updateRefund(
    orderId: string,
    idempotencyKey: string,
    patch: Pick<RefundRecord, 'status'> & Partial<Pick<RefundRecord, 'refundId'>>,
    now: string,
  ): Promise<void>;
  listByOrder(orderId: string): Promise<{ charge?: ChargeRecord; refunds: RefundRecord[] }>;
}
