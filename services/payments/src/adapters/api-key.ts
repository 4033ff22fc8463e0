/**
 * The provider API key, read from Secrets Manager through Powertools Parameters (P31):
 * never an environment variable (the function's configuration only holds the secret's
 * ARN), cached per container for `maxAgeSeconds`, refetched on demand after a 401.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '@order-platform/shared/config';
import type { ApiKeySource } from './provider-client';

export const API_KEY_MAX_AGE_SECONDS = 300;

export function buildApiKeySource(
  secrets: SecretsProvider,
  secretId: string,
  maxAgeSeconds = API_KEY_MAX_AGE_SECONDS,
): ApiKeySource {
  return async ({ forceFetch = false } = {}) => {
    const value = await secrets.get(secretId, { maxAge: maxAgeSeconds, forceFetch });
    if (typeof value !== 'string' || value.trim() === '')
      throw new ConfigError(`Secret ${secretId} holds no API key`);
    return value.trim();
  };
}
