/**
 * The provider's signing secret(s), kept outside environment variables (P31): in
 * Secrets Manager (deployed) or as an SSM SecureString, read through Powertools
 * Parameters and cached for `maxAgeSeconds` per container, so a warm receiver makes no
 * call at all for it.
 *
 * Rotation: the value may hold several secrets, one per line or comma-separated (new
 * first, then the old one until the provider stops using it). After a rotation the
 * cached value can be stale, so a signature that matches nothing triggers one forced
 * re-read, at most once per `minRefreshIntervalSeconds`: a flood of forged requests
 * cannot turn into a flood of Secrets Manager calls.
 */
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '@order-platform/shared/config';
import type { SigningSecrets } from '../domain/ports';

export interface SigningSecretSource {
  secretId?: string;
  parameterName?: string;
  maxAgeSeconds?: number;
  minRefreshIntervalSeconds?: number;
  now?: () => number;
}

export function parseSecrets(value: string | Uint8Array | undefined): string[] {
  const text =
    value === undefined ? '' : typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function buildSigningSecrets(source: SigningSecretSource): SigningSecrets {
  const { secretId, parameterName } = source;
  if (!secretId === !parameterName)
    throw new ConfigError('Set exactly one of SIGNING_SECRET_ID or SIGNING_SECRET_PARAMETER');
  const maxAge = source.maxAgeSeconds ?? 300;
  const minRefreshMs = (source.minRefreshIntervalSeconds ?? 30) * 1000;
  const now = source.now ?? Date.now;
  let lastForced = -Infinity;
  const read = (forceFetch: boolean) =>
    secretId
      ? getSecret(secretId, { maxAge, forceFetch })
      : getParameter(parameterName!, { decrypt: true, maxAge, forceFetch });
  return async (opts = {}) => {
    let force = false;
    if (opts.refresh && now() - lastForced >= minRefreshMs) {
      lastForced = now();
      force = true;
    }
    const secrets = parseSecrets((await read(force)) as string | Uint8Array | undefined);
    if (secrets.length === 0) throw new ConfigError(`Signing secret ${secretId ?? parameterName} is empty`);
    return secrets;
  };
}
