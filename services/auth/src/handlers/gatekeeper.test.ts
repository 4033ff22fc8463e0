import { createHmac, KeyObject } from 'node:crypto';
import { exportSPKI, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '@order-platform/shared/observability';
import { buildVerifyToken } from '../adapters/jwt-verifier';
import { staticPublicKeySource } from '../adapters/key-sources';
import { isAllowed, methodArn } from '../testing/policy-matcher';
import {
  AUDIENCE,
  ISSUER,
  newKeyPair,
  rawToken,
  signToken,
  standardPayload,
  tokenEvent,
  type TestKeyPair,
} from '../testing/tokens';
import { makeHandler } from './gatekeeper';

// The module reads its configuration at import (fail fast); these values only let it load.
vi.hoisted(() => {
  process.env.JWT_ISSUER = 'https://issuer.test.invalid';
  process.env.JWT_AUDIENCE = 'order-platform-test';
  process.env.JWT_PUBLIC_KEY_PARAMETER = '/test/auth/jwt-public-key';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

let trusted: TestKeyPair;
let stranger: TestKeyPair;
let rsa: TestKeyPair;
let handler: ReturnType<typeof makeHandler>;

beforeAll(async () => {
  [trusted, stranger, rsa] = await Promise.all([
    newKeyPair('ES256'),
    newKeyPair('ES256'),
    newKeyPair('RS256'),
  ]);
  handler = makeHandler({
    verifyToken: buildVerifyToken(staticPublicKeySource(KeyObject.from(trusted.publicKey)), {
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The reason the gatekeeper logged for its last rejection (and proof it threw Unauthorized). */
async function rejectionReason(authorization: string, arn?: string): Promise<unknown> {
  const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  await expect(handler(tokenEvent(authorization, arn))).rejects.toThrow(/^Unauthorized$/);
  const [message, fields] = warn.mock.calls.at(-1) ?? [];
  expect(message).toBe('Access rejected');
  return (fields as { reason?: unknown } | undefined)?.reason;
}

describe('gatekeeper: valid tokens', () => {
  it('allows a customer their own routes, and only those, for every route the cached policy will meet', async () => {
    // Prepare
    const token = await signToken(trusted, { sub: 'c-123' });

    // Act
    const result = await handler(tokenEvent(`Bearer ${token}`, methodArn('GET', '/customers/c-123/orders')));

    // Assess
    expect(result.principalId).toBe('c-123');
    expect(result.context).toEqual({ customerId: 'c-123', role: 'customer' });
    expect(isAllowed(result, methodArn('GET', '/customers/c-123/orders'))).toBe(true);
    expect(isAllowed(result, methodArn('POST', '/orders'))).toBe(true);
    expect(isAllowed(result, methodArn('GET', '/orders/ord_9'))).toBe(true);
    expect(isAllowed(result, methodArn('POST', '/orders/ord_9/cancel'))).toBe(true);
    expect(isAllowed(result, methodArn('GET', '/customers/c-123/dashboard'))).toBe(true);
    expect(isAllowed(result, methodArn('GET', '/reports/customers/c-123/summary'))).toBe(true);
    expect(isAllowed(result, methodArn('GET', '/customers/other/orders'))).toBe(false);
    expect(isAllowed(result, methodArn('GET', '/reports/customers/other/summary'))).toBe(false);
  });

  it('allows an admin everywhere on the API', async () => {
    const token = await signToken(trusted, { sub: 'ops-1', role: 'admin' });

    const result = await handler(tokenEvent(`Bearer ${token}`, methodArn('GET', '/customers/other/orders')));

    expect(result.context).toEqual({ customerId: 'ops-1', role: 'admin' });
    expect(isAllowed(result, methodArn('GET', '/customers/other/orders'))).toBe(true);
    expect(isAllowed(result, methodArn('DELETE', '/orders/ord_1'))).toBe(true);
  });

  it('accepts an explicit customer role and a token within the clock tolerance', async () => {
    const token = await signToken(trusted, { role: 'customer', expiresIn: -10, notBefore: 10 });

    const result = await handler(tokenEvent(`Bearer ${token}`));

    expect(result.context.role).toBe('customer');
  });

  it('logs who was let in, never the token', async () => {
    const token = await signToken(trusted);
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);

    await handler(tokenEvent(`Bearer ${token}`));

    expect(info).toHaveBeenCalledWith('Access granted', { principalId: 'c-123', role: 'customer' });
    expect(JSON.stringify(info.mock.calls)).not.toContain(token);
  });
});

describe('gatekeeper: rejected with 401 (Unauthorized), reason logged', () => {
  it('an expired token', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { expiresIn: -120 })}`)).toBe('expired');
  });

  it('a token not valid yet', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { notBefore: 300 })}`)).toBe(
      'not-yet-valid',
    );
  });

  it('a token issued in the future, past the clock tolerance', async () => {
    // jose checks iat only against a maximum age; a token "issued" an hour from now would
    // otherwise be accepted, and live an hour longer than the issuer meant.
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('c-123')
      .setIssuedAt(now + 3600)
      .setExpirationTime(now + 7200)
      .sign(trusted.privateKey);
    expect(await rejectionReason(`Bearer ${token}`)).toBe('not-yet-valid');
  });

  it('a token signed by another key', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(stranger)}`)).toBe('bad-signature');
  });

  it('a token with a tampered payload', async () => {
    const [header, , signature] = (await signToken(trusted, { sub: 'c-123' })).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify(standardPayload({ sub: 'c-999' }))).toString('base64url')}.${signature}`;
    expect(await rejectionReason(`Bearer ${forged}`)).toBe('bad-signature');
  });

  it('a token for another audience', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { audience: 'someone-else' })}`)).toBe(
      'claim-check-failed',
    );
  });

  it('a token from another issuer', async () => {
    expect(
      await rejectionReason(`Bearer ${await signToken(trusted, { issuer: 'https://evil.invalid' })}`),
    ).toBe('claim-check-failed');
  });

  it('an unsigned token (alg none)', async () => {
    const token = rawToken({ alg: 'none', typ: 'JWT' }, standardPayload());
    expect(await rejectionReason(`Bearer ${token}`)).toBe('algorithm-not-allowed');
  });

  it('an HS256 token whose HMAC secret is the public key', async () => {
    // The classic key-confusion forgery: a verifier that let the token pick the algorithm
    // would check this HMAC with the (public) PEM as the secret and accept it.
    const secret = await exportSPKI(trusted.publicKey);
    const head = rawToken({ alg: 'HS256', typ: 'JWT' }, standardPayload()).slice(0, -1);
    const signature = createHmac('sha256', secret).update(head).digest('base64url');
    expect(await rejectionReason(`Bearer ${head}.${signature}`)).toBe('algorithm-not-allowed');
  });

  it('an RS256 token against the ES256 key', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(rsa)}`)).toBe('algorithm-not-allowed');
  });

  it.each(['abc', 'a.b.c', 'a.b', 'bm90anNvbg.e30.c2ln', '...'])('a malformed token %j', async (token) => {
    expect(await rejectionReason(`Bearer ${token}`)).toBe('malformed-token');
  });

  it.each(['', 'RAW', 'Basic dXNlcjpwYXNz'])('a header without the Bearer scheme %j', async (prefix) => {
    const token = await signToken(trusted);
    expect(await rejectionReason(prefix === 'RAW' ? token : `${prefix} ${token}`.trim())).toBe(
      'missing-bearer',
    );
  });

  it('a token without an expiry', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { expiresIn: undefined })}`)).toBe(
      'claim-check-failed',
    );
  });

  it('a token without a subject', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { sub: undefined })}`)).toBe(
      'claim-check-failed',
    );
  });

  it('a subject that is not a customer id (it would widen the policy)', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { sub: 'c-1/*' })}`)).toBe(
      'invalid-subject',
    );
  });

  it('an unknown role', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted, { role: 'root' })}`)).toBe(
      'invalid-role',
    );
  });

  it('a method ARN it cannot scope a policy to', async () => {
    expect(await rejectionReason(`Bearer ${await signToken(trusted)}`, 'not-an-arn')).toBe(
      'malformed-method-arn',
    );
  });

  it('never writes the token to the log', async () => {
    const token = await signToken(stranger);
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    await expect(handler(tokenEvent(`Bearer ${token}`))).rejects.toThrow('Unauthorized');

    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[2]);
  });
});

describe('gatekeeper: faults are not 401s', () => {
  it('rethrows a key source failure so API Gateway answers 500 and caches nothing', async () => {
    // Prepare
    const broken = makeHandler({
      verifyToken: buildVerifyToken(
        async () => {
          throw new Error('SSM unavailable');
        },
        { issuer: ISSUER, audience: AUDIENCE },
      ),
    });

    // Act / Assess
    await expect(broken(tokenEvent(`Bearer ${await signToken(trusted)}`))).rejects.toThrow('SSM unavailable');
  });
});
