import { ConfigError, optionalEnv, requireEnv } from '@order-platform/shared/config';

export type KeySourceConfig = { kind: 'jwks'; url: URL } | { kind: 'ssm-parameter'; parameterName: string };

export interface AuthConfig {
  issuer: string;
  audience: string;
  keySource: KeySourceConfig;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The gatekeeper's settings, read once at cold start. Issuer and audience are always
 * required. Keys come from JWT_JWKS_URL (a real identity provider) when it is set, and
 * otherwise from the SSM parameter named by JWT_PUBLIC_KEY_PARAMETER (the dev issuer);
 * with neither the container refuses to start rather than accept tokens it cannot check.
 */
export function loadAuthConfig(): AuthConfig {
  const issuer = requireEnv('JWT_ISSUER');
  const audience = requireEnv('JWT_AUDIENCE');
  const jwksUrl = optionalEnv('JWT_JWKS_URL');
  if (jwksUrl) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new ConfigError(`JWT_JWKS_URL is not a URL: "${jwksUrl}"`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new ConfigError('JWT_JWKS_URL must use https (plain http only on loopback, for local runs)');
    }
    return { issuer, audience, keySource: { kind: 'jwks', url } };
  }
  const parameterName = optionalEnv('JWT_PUBLIC_KEY_PARAMETER');
  if (!parameterName) {
    throw new ConfigError(
      'Set JWT_JWKS_URL or JWT_PUBLIC_KEY_PARAMETER: the gatekeeper has no key to verify tokens with',
    );
  }
  if (!parameterName.startsWith('/')) {
    throw new ConfigError(
      `JWT_PUBLIC_KEY_PARAMETER must be a full path starting with "/", got "${parameterName}"`,
    );
  }
  return { issuer, audience, keySource: { kind: 'ssm-parameter', parameterName } };
}
