import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

/**
 * A real identity provider (Cognito, Auth0, ...): keys by `kid` from its JWKS endpoint.
 * jose caches the set in the container and refetches on an unknown `kid` (at most once
 * per cooldown), so key rotation at the provider needs no redeploy.
 */
export function remoteJwksKeySource(url: URL): JWTVerifyGetKey {
  return createRemoteJWKSet(url, {
    // The authorizer has 5 s in all; a slow JWKS endpoint must not use them up.
    timeoutDuration: 1500,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
}

/** Thrown when the configured key is not a usable public key (a fault, not a 401). */
export class UnusableKeyError extends Error {
  override name = 'UnusableKeyError';
}

interface ParsedKey {
  key: KeyObject;
  alg: 'RS256' | 'ES256';
}

/** The single algorithm a public key may verify: RS256 for RSA >= 2048 bits, ES256 for P-256. */
export function algorithmFor(key: KeyObject): ParsedKey['alg'] {
  if (key.type !== 'public') throw new UnusableKeyError('Expected a public key');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new UnusableKeyError(`RSA key of ${bits} bits is too short`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new UnusableKeyError(`Unsupported key type ${key.asymmetricKeyType ?? 'unknown'} for RS256/ES256`);
}

/**
 * Parses one public key, PEM (SPKI) or JWK JSON. Private key material is refused
 * outright: it has no business in a parameter the authorizer reads.
 */
export function parsePublicKey(text: string): ParsedKey {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('{')) {
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(trimmed) as JsonWebKey;
    } catch {
      throw new UnusableKeyError('Key parameter holds invalid JSON');
    }
    if ('d' in jwk)
      throw new UnusableKeyError('Key parameter holds a private JWK; store the public key only');
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } else {
    if (/PRIVATE KEY/.test(trimmed))
      throw new UnusableKeyError('Key parameter holds a private key; store the public key only');
    key = createPublicKey(trimmed);
  }
  return { key, alg: algorithmFor(key) };
}

// One key, one algorithm: a token that claims another one (RS256 against an EC key) is
// refused as a token fault instead of reaching jose's key-type check as a TypeError.
function checkAlgorithm(header: { alg?: string }, alg: ParsedKey['alg']): void {
  if (header.alg !== alg)
    throw new errors.JOSEAlgNotAllowed(`"alg" ${String(header.alg)} does not match the ${alg} key`);
}

/** A single fixed public key (local runs against the dev issuer, tests). */
export function staticPublicKeySource(key: KeyObject): JWTVerifyGetKey {
  const alg = algorithmFor(key);
  return async (header) => {
    checkAlgorithm(header, alg);
    return key;
  };
}

export const KEY_PARAMETER_MAX_AGE_SECONDS = 300;

/**
 * The dev issuer's public key, held in an SSM parameter and read through Powertools
 * Parameters, which caches it in the container for `maxAgeSeconds` (one GetParameter per
 * container per 5 minutes, not per request). A rotated key is picked up within that time.
 */
export function ssmPublicKeySource(
  provider: SSMProvider,
  parameterName: string,
  maxAgeSeconds = KEY_PARAMETER_MAX_AGE_SECONDS,
): JWTVerifyGetKey {
  let last: { text: string; parsed: ParsedKey } | undefined;
  return async (header) => {
    const text = await provider.get(parameterName, { maxAge: maxAgeSeconds });
    if (typeof text !== 'string' || text.trim() === '') {
      throw new UnusableKeyError(`Key parameter ${parameterName} is empty`);
    }
    if (last?.text !== text) last = { text, parsed: parsePublicKey(text) };
    checkAlgorithm(header, last.parsed.alg);
    return last.parsed.key;
  };
}
