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
}

/**
 * The external payment provider. Errors: PaymentDeclinedError, ProviderUnavailableError,
 * PaymentRequestRejectedError, ChargeNotRefundableError (refund of a failed charge).
 */
export interface PaymentProvider {
  charge(request: ChargeRequest, idempotencyKey: string): Promise<ProviderCharge>;
  refund(request: { paymentId: string; amount: number }, idempotencyKey: string): Promise<ProviderRefund>;
  findCharges(orderId: string): Promise<ProviderCharge[]>;
}

/**
 * REQUESTED: written before the provider call (its outcome may be unknown: timeout);
 * PENDING: the provider accepted it, confirmation comes by webhook; DECLINED: refused;
 * VOIDED: a compensation found that the provider never created it.
 */
export type ChargeStatus = 'REQUESTED' | 'PENDING' | 'DECLINED' | 'VOIDED';

export interface ChargeRecord {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  idempotencyKey: string;
  paymentId?: string;
  declineReason?: string;
  createdAt: string;
  updatedAt: string;
}

/** REQUESTED before the provider call; ACCEPTED once the provider took it; NOT_REFUNDABLE for a failed charge. */
export type RefundStatus = 'REQUESTED' | 'ACCEPTED' | 'NOT_REFUNDABLE';

export interface RefundRecord {
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  idempotencyKey: string;
  refundId?: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentsStore {
  getCharge(orderId: string): Promise<ChargeRecord | undefined>;
  /** Creates the record only if the order has none; false otherwise. */
  createCharge(record: ChargeRecord): Promise<boolean>;
  /** Updates a charge that is still in `from` status; false if it moved on. */
  updateCharge(
    orderId: string,
    from: ChargeStatus,
    patch: Pick<ChargeRecord, 'status'> & Partial<Pick<ChargeRecord, 'paymentId' | 'declineReason'>>,
    now: string,
  ): Promise<boolean>;
  getRefund(orderId: string, paymentId: string): Promise<RefundRecord | undefined>;
  createRefund(record: RefundRecord): Promise<boolean>;
  updateRefund(
    orderId: string,
    paymentId: string,
    patch: Pick<RefundRecord, 'status'> & Partial<Pick<RefundRecord, 'refundId'>>,
    now: string,
  ): Promise<void>;
  listByOrder(orderId: string): Promise<{ charge?: ChargeRecord; refunds: RefundRecord[] }>;
}
