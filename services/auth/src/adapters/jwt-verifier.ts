import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AccessRejectedError, type RejectionReason } from '../domain/errors';
import type { VerifyToken } from '../domain/ports';

/**
 * Asymmetric algorithms only. Listing them is what stops the classic forgeries: `alg:
 * none`, and HS256 "signed" with the public key as the HMAC secret, both fail here
 * before any key is looked up.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Seconds of clock skew tolerated on exp/nbf/iat between the issuer and Lambda. */
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenExpectations {
  issuer: string;
  audience: string;
  clockToleranceSeconds?: number;
}

// The jose failures that are the token's fault. Everything else (JWKS endpoint down or
// answering garbage, SSM errors) is rethrown: API Gateway then answers 500 and does not
// cache it, instead of telling a legitimate client that its session is invalid.
const REJECTIONS: Record<string, RejectionReason> = {
  [errors.JWTExpired.code]: 'expired',
  [errors.JWSSignatureVerificationFailed.code]: 'bad-signature',
  [errors.JOSEAlgNotAllowed.code]: 'algorithm-not-allowed',
  [errors.JOSENotSupported.code]: 'algorithm-not-allowed',
  [errors.JWSInvalid.code]: 'malformed-token',
  [errors.JWTInvalid.code]: 'malformed-token',
  [errors.JWKSNoMatchingKey.code]: 'unknown-key',
  [errors.JWKSMultipleMatchingKeys.code]: 'unknown-key',
};

function rejectionOf(error: unknown): AccessRejectedError | undefined {
  if (error instanceof errors.JWTClaimValidationFailed) {
    // nbf in the future is the one claim failure worth its own reason.
    if (error.claim === 'nbf') return new AccessRejectedError('not-yet-valid');
    return new AccessRejectedError('claim-check-failed', `${error.claim}: ${error.reason}`);
  }
  if (error instanceof errors.JOSEError) {
    const reason = REJECTIONS[error.code];
    if (reason) return new AccessRejectedError(reason, error.code);
  }
  return undefined;
}

/** jose's jwtVerify bound to one key source and the platform's expectations. */
export function buildVerifyToken(key: JWTVerifyGetKey, expected: TokenExpectations): VerifyToken {
  const options = {
    issuer: expected.issuer,
    audience: expected.audience,
    algorithms: [...ALLOWED_ALGORITHMS],
    clockTolerance: expected.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS,
    // jose checks exp only when present; a token without one would never expire.
    requiredClaims: ['exp', 'sub'],
  };
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, options));
    } catch (error) {
      throw rejectionOf(error) ?? error;
    }
    // jose checks iat only against maxTokenAge: a token "issued" later than now would
    // pass, and outlive what its issuer meant by as much as it claims to be early.
    const latest = Math.floor(Date.now() / 1000) + options.clockTolerance;
    if (typeof payload.iat === 'number' && payload.iat > latest)
      throw new AccessRejectedError('not-yet-valid', 'iat: issued in the future');
    return payload;
  };
}
