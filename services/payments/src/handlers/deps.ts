/**
 * The composition root shared by the payments handlers: configuration read once at cold
 * start, one client per AWS service per container, the breaker and the provider client
 * built once and reused across invocations.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { awsClient } from '@order-platform/shared/aws';
import { intEnv, loadConfig, optionalEnv } from '@order-platform/shared/config';
import { logger } from '@order-platform/shared/observability';
import { buildApiKeySource } from '../adapters/api-key';
import { buildBreakerStore } from '../adapters/breaker-store';
import { documentClient } from '../adapters/dynamo';
import { buildProviderClient } from '../adapters/provider-client';
import { DEFAULT_BREAKER_CONFIG, type BreakerConfig } from '../domain/breaker';
import { createCircuitBreaker } from '../domain/circuit-breaker';
import { isProviderFailure } from '../domain/errors';
import { guardProvider, type PaymentDeps } from '../domain/payments';
import { paymentsTable } from './table';

/** Breaker numbers, overridable per stage; the probe lease always outlasts a provider call. */
export function breakerConfigFromEnv(providerTimeoutMs: number): BreakerConfig {
  const d = DEFAULT_BREAKER_CONFIG;
  return {
    failureThreshold: intEnv('BREAKER_FAILURE_THRESHOLD', d.failureThreshold),
    windowMs: intEnv('BREAKER_WINDOW_MS', d.windowMs),
    slowCallMs: intEnv('BREAKER_SLOW_CALL_MS', d.slowCallMs),
    coolDownMs: intEnv('BREAKER_COOL_DOWN_MS', d.coolDownMs),
    backoffMultiplier: d.backoffMultiplier,
    maxCoolDownMs: intEnv('BREAKER_MAX_COOL_DOWN_MS', d.maxCoolDownMs),
    probeLeaseMs: providerTimeoutMs + 2_000,
  };
}

export function paymentDeps(): PaymentDeps {
  const cfg = loadConfig(['BREAKER_TABLE_NAME', 'PROVIDER_BASE_URL', 'PROVIDER_API_KEY_SECRET_ID']);
  const timeoutMs = intEnv('PROVIDER_TIMEOUT_MS', 4_000);
  const name = optionalEnv('BREAKER_NAME') ?? 'payment-provider';
  const doc = documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 }));
  const secrets = new SecretsProvider({ awsSdkV3Client: awsClient(SecretsManagerClient) });
  const provider = buildProviderClient({
    baseUrl: cfg.PROVIDER_BASE_URL,
    timeoutMs,
    apiKey: buildApiKeySource(secrets, cfg.PROVIDER_API_KEY_SECRET_ID),
  });
  const breaker = createCircuitBreaker({
    name,
    store: buildBreakerStore(doc, cfg.BREAKER_TABLE_NAME, name),
    config: breakerConfigFromEnv(timeoutMs),
    now: Date.now,
    newProbeId: randomUUID,
    isFailure: isProviderFailure,
    onTransition: (from, to) =>
      logger.warn('Circuit breaker transition', { breaker: name, from, to: to.status, retryAt: to.retryAt }),
    onStoreError: (error, during) =>
      logger.error('Circuit breaker store error', { breaker: name, during, error: error as Error }),
  });
  return { store: paymentsTable(), provider: guardProvider(provider, breaker), now: () => new Date() };
}

/** Logs a saga-facing failure at the right level, then lets it propagate with its name. */
export function logFailure(operation: string, orderId: string | undefined, error: unknown): never {
  const name = (error as Error)?.name;
  const expected = [
    'PaymentDeclinedError',
    'CircuitOpenError',
    'ProviderUnavailableError',
    'PaymentOutcomeUnknownError',
    'ValidationError',
  ].includes(name);
  (expected ? logger.info : logger.error).call(logger, `${operation} failed`, {
    orderId,
    errorType: name,
    error: error as Error,
  });
  throw error;
}
