import { AccessRejectedError } from './errors';

export type Role = 'customer' | 'admin';

/** Who the caller is, as far as every downstream service is concerned. */
export interface Principal {
  customerId: string;
  role: Role;
  /** The `email` claim, when present and well formed (orders record it as the contact). */
  email?: string;
}

/**
 * A customer id is also a path segment of the policy (`/customers/{sub}/*`), so it must
 * never contain `/`, `*` or `?`: those would widen the resources the policy grants.
 */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

/** Tokens are a few hundred bytes; anything far larger is refused before any crypto runs. */
const MAX_TOKEN_LENGTH = 8 * 1024;

const BEARER = /^Bearer ([A-Za-z0-9_~+/=.-]+)$/i;

/** The token from an `Authorization: Bearer <jwt>` header value. */
export function bearerTokenOf(authorization: string | undefined): string {
  const match = authorization === undefined ? null : BEARER.exec(authorization.trim());
  if (!match?.[1]) throw new AccessRejectedError('missing-bearer');
  if (match[1].length > MAX_TOKEN_LENGTH) throw new AccessRejectedError('malformed-token', 'token too long');
  return match[1];
}

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}

/**
 * Turns the claims of a token whose signature, issuer, audience and lifetime were already
 * checked into a principal: `sub` is the customer id, `role` is `customer` unless the
 * issuer said `admin`. An unknown role is refused rather than downgraded, so a typo in
 * the identity provider's mapping shows up as a 401 instead of a silent privilege change.
 */
export function principalFromClaims(claims: Readonly<Record<string, unknown>>): Principal {
  if (!isCustomerId(claims.sub)) throw new AccessRejectedError('invalid-subject');
  const role = claims.role ?? 'customer';
  if (role !== 'customer' && role !== 'admin') throw new AccessRejectedError('invalid-role');
  // A malformed address is dropped rather than refused: the token is still valid, the
  // order will ask for a contact instead.
  const email = isEmail(claims.email) ? claims.email : undefined;
  return { customerId: claims.sub, role, ...(email ? { email } : {}) };
}

/** A plain, bounded address check: the identity provider verified the address itself. */
const EMAIL =
  /^[^\s@"<>()[\],;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}
