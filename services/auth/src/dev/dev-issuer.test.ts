import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildVerifyToken } from '../adapters/jwt-verifier';
import { staticPublicKeySource } from '../adapters/key-sources';
import { DEV_AUDIENCE, DEV_ISSUER, issueDevToken, loadOrCreateDevKeys } from './dev-issuer';

let keyDir: string;

beforeEach(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'op-auth-dev-'));
});

afterEach(async () => {
  await rm(keyDir, { recursive: true, force: true });
});

describe('dev issuer (DEV ONLY token command)', () => {
  it('creates the key pair on first use, owner-only, and reuses it afterwards', async () => {
    // Act
    const first = await loadOrCreateDevKeys(keyDir);
    const second = await loadOrCreateDevKeys(keyDir);

    // Assess
    expect(second.kid).toBe(first.kid);
    expect((await stat(join(keyDir, 'private.pem'))).mode & 0o077).toBe(0);
    expect(await readFile(join(keyDir, 'public.pem'), 'utf8')).toBe(first.publicKeyPem);
  });

  it('ends with one key pair when several processes start at once', async () => {
    const all = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateDevKeys(keyDir)));

    expect(new Set(all.map((k) => k.kid)).size).toBe(1);
  });

  it('issues a token the gatekeeper verifies with the dev issuer and audience', async () => {
    // Prepare
    const keys = await loadOrCreateDevKeys(keyDir);
    const verify = buildVerifyToken(staticPublicKeySource(keys.publicKey), {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
    });

    // Act
    const token = await issueDevToken({ customerId: 'c-123', role: 'admin', ttlSeconds: 120, keyDir });

    // Assess
    const claims = await verify(token);
    expect(claims).toMatchObject({ sub: 'c-123', role: 'admin', iss: DEV_ISSUER, aud: DEV_AUDIENCE });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: keys.kid });
  });

  it('defaults to a one-hour customer token', async () => {
    const claims = decodeJwt(await issueDevToken({ customerId: 'c-123', keyDir }));

    expect(claims.role).toBe('customer');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
  });

  it.each([
    [{ customerId: 'c/1' }, /customer id/],
    [{ customerId: 'c-1', ttlSeconds: 0 }, /ttl/],
    [{ customerId: 'c-1', ttlSeconds: 90_000 }, /ttl/],
    [{ customerId: 'c-1', role: 'root' as never }, /role/],
  ])('refuses %j', async (opts, message) => {
    await expect(issueDevToken({ ...opts, keyDir })).rejects.toThrow(message);
  });
});
