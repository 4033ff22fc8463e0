/**
 * The Lambda entry point as deployed for the dev stage: configuration from the
 * environment, the dev issuer's public key from SSM (mocked client), the observability
 * wrapper, and a token from the dev token command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEV_AUDIENCE,
  DEV_ISSUER,
  devKeyParameterName,
  issueDevToken,
  loadOrCreateDevKeys,
} from '../dev/dev-issuer';
import { isAllowed, methodArn } from '../testing/policy-matcher';
import { tokenEvent } from '../testing/tokens';

const context = {
  functionName: 'op-auth-dev-gatekeeper',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:op-auth-dev-gatekeeper',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

const ssm = mockClient(SSMClient);
let keyDir: string;
let handler: (event: ReturnType<typeof tokenEvent>, context: Context) => Promise<unknown>;

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'op-auth-handler-'));
  const keys = await loadOrCreateDevKeys(keyDir);
  ssm
    .on(GetParameterCommand, { Name: devKeyParameterName('dev') })
    .resolves({ Parameter: { Value: keys.publicKeyPem } });
  vi.stubEnv('JWT_ISSUER', DEV_ISSUER);
  vi.stubEnv('JWT_AUDIENCE', DEV_AUDIENCE);
  vi.stubEnv('JWT_JWKS_URL', '');
  vi.stubEnv('JWT_PUBLIC_KEY_PARAMETER', devKeyParameterName('dev'));
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  ({ handler } = (await import('./gatekeeper')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  ssm.restore();
  await rm(keyDir, { recursive: true, force: true });
});

describe('gatekeeper Lambda handler (dev stage wiring)', () => {
  it('accepts a dev token and returns the customer policy and context', async () => {
    // Prepare
    const token = await issueDevToken({ customerId: 'c-123', keyDir });

    // Act
    const result = (await handler(
      tokenEvent(`Bearer ${token}`, methodArn('GET', '/customers/c-123/orders')),
      context,
    )) as {
      principalId: string;
      context: unknown;
      policyDocument: { Statement: { Effect: string; Action: string; Resource: string[] }[] };
    };

    // Assess
    expect(result.principalId).toBe('c-123');
    expect(result.context).toEqual({ customerId: 'c-123', role: 'customer', email: 'c-123@example.com' });
    expect(isAllowed(result, methodArn('GET', '/customers/c-123/orders'))).toBe(true);
    expect(isAllowed(result, methodArn('GET', '/customers/c-456/orders'))).toBe(false);
  });

  it('answers a bad token with exactly Error("Unauthorized"), which API Gateway maps to 401', async () => {
    const token = await issueDevToken({ customerId: 'c-123', keyDir });

    await expect(handler(tokenEvent(token), context)).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(tokenEvent(`Bearer ${token}x`), context)).rejects.toThrow(/^Unauthorized$/);
  });

  it('reads the key from SSM once for many authorizations (Powertools cache)', async () => {
    const before = ssm.commandCalls(GetParameterCommand).length;
    for (const customerId of ['c-1a', 'c-2b', 'c-3c']) {
      await handler(tokenEvent(`Bearer ${await issueDevToken({ customerId, keyDir })}`), context);
    }

    expect(ssm.commandCalls(GetParameterCommand).length - before).toBe(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});
