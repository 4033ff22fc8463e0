/**
 * TEST HELPER: real keys and real signatures (no mocked crypto). Each test file makes
 * its own key pairs, so a "wrong key" is just another freshly generated one.
 */
import type { KeyObject } from 'node:crypto';
import { generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { methodArn } from './policy-matcher';

export const ISSUER = 'https://issuer.test.invalid';
export const AUDIENCE = 'order-platform-test';

export type SigningAlg = 'ES256' | 'RS256';

export interface TestKeyPair {
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export async function newKeyPair(alg: SigningAlg = 'ES256'): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicKey };
}

export interface TokenOptions {
  sub?: string | undefined;
  role?: unknown;
  issuer?: string;
  audience?: string;
  /** Seconds relative to now. */
  expiresIn?: number | undefined;
  notBefore?: number;
  extraClaims?: JWTPayload;
}

export async function signToken(
  keys: { alg: SigningAlg; privateKey: CryptoKey | KeyObject },
  opts: TokenOptions = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = { ...opts.extraClaims };
  if (opts.role !== undefined) claims.role = opts.role;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, typ: 'JWT' })
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setIssuedAt(now);
  if (!('sub' in opts) || opts.sub !== undefined) jwt.setSubject(opts.sub ?? 'c-123');
  if (!('expiresIn' in opts) || opts.expiresIn !== undefined)
    jwt.setExpirationTime(now + (opts.expiresIn ?? 600));
  if (opts.notBefore !== undefined) jwt.setNotBefore(now + opts.notBefore);
  return jwt.sign(keys.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A hand-assembled compact JWT (for `alg: none` and other tokens jose refuses to sign). */
export function rawToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

export function standardPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: 'c-123', iat: now, exp: now + 600, ...overrides };
}

export function tokenEvent(
  authorizationToken: string,
  arn = methodArn('GET', '/orders/ord_1'),
): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn: arn };
}
