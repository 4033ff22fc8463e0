/**
 * Why a request was turned away. The gatekeeper never tells the caller (API Gateway
 * answers a bare 401), but the reason is logged and counted, so an operator can tell an
 * expired session from a forged token or a misconfigured audience.
 */
export type RejectionReason =
  | 'missing-bearer'
  | 'malformed-token'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'algorithm-not-allowed'
  | 'unknown-key'
  | 'claim-check-failed'
  | 'invalid-subject'
  | 'invalid-role'
  | 'malformed-method-arn';

/** A token (or request) that must get a 401. Anything else thrown by the gatekeeper is a fault. */
export class AccessRejectedError extends Error {
  override name = 'AccessRejectedError';
  constructor(
    readonly reason: RejectionReason,
    readonly detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}
