/**
 * DEV ONLY: a stand-in identity provider for laptops, LocalStack and the dev stage.
 * It keeps one ES256 key pair under `.dev/jwt/` at the repository root (gitignored,
 * created on first use) and signs short-lived tokens with the dev issuer and audience.
 * Production stages verify tokens from a real identity provider through JWT_JWKS_URL;
 * nothing here is bundled into the gatekeeper Lambda.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  type JWK,
} from 'jose';
import { CUSTOMER_ID_PATTERN, type Role } from '../domain/claims';
import { DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER } from './constants';

export * from './constants';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Where the dev key pair lives: DEV_JWT_DIR, else `<repo>/.dev/jwt`. */
export function defaultDevKeyDir(): string {
  return process.env.DEV_JWT_DIR ?? join(repoRoot, '.dev', 'jwt');
}

export interface DevKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  publicJwk: JWK;
  kid: string;
}

const PRIVATE_FILE = 'private.pem';
const PUBLIC_FILE = 'public.pem';

async function fromPrivatePem(pem: string): Promise<DevKeys> {
  const privateKey = createPrivateKey(pem);
  // The public half is always derived from the private file, so the two can never disagree.
  const publicKey = createPublicKey(privateKey);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateKey,
    publicKey,
    publicKeyPem: await exportSPKI(publicKey),
    publicJwk: { ...publicJwk, kid, alg: DEV_ALGORITHM, use: 'sig' },
    kid,
  };
}

/** Loads the dev key pair from `dir`, creating it on first use. */
export async function loadOrCreateDevKeys(dir = defaultDevKeyDir()): Promise<DevKeys> {
  const privatePath = join(dir, PRIVATE_FILE);
  try {
    return await fromPrivatePem(await readFile(privatePath, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  try {
    // 'wx' fails if another process created the key meanwhile; theirs wins and we read it.
    await writeFile(privatePath, pem, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fromPrivatePem(await readFile(privatePath, 'utf8'));
  }
  const keys = await fromPrivatePem(pem);
  await writeFile(join(dir, PUBLIC_FILE), keys.publicKeyPem, { mode: 0o644 });
  return keys;
}

export interface DevTokenOptions {
  customerId: string;
  role?: Role;
  /** Lifetime in seconds (default one hour, at most one day). */
  ttlSeconds?: number;
  keyDir?: string;
  /** Override the clock (tests). */
  now?: Date;
  /** The `email` claim; default `<customerId>@example.com`, `null` for a token without one. */
  email?: string | null;
}

export const MAX_DEV_TTL_SECONDS = 24 * 3600;

/** DEV ONLY: a signed token for `customerId` that the dev-stage gatekeeper accepts. */
export async function issueDevToken(opts: DevTokenOptions): Promise<string> {
  if (!CUSTOMER_ID_PATTERN.test(opts.customerId)) {
    throw new Error(`customer id must match ${CUSTOMER_ID_PATTERN}, got "${opts.customerId}"`);
  }
  const role = opts.role ?? 'customer';
  if (role !== 'customer' && role !== 'admin')
    throw new Error(`role must be customer or admin, got "${String(role)}"`);
  const ttl = opts.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_DEV_TTL_SECONDS) {
    throw new Error(`ttl must be a whole number of seconds between 1 and ${MAX_DEV_TTL_SECONDS}`);
  }
  const keys = await loadOrCreateDevKeys(opts.keyDir);
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const email = opts.email === undefined ? `${opts.customerId}@example.com` : opts.email;
  return new SignJWT({ role, ...(email ? { email } : {}) })
    .setProtectedHeader({ alg: DEV_ALGORITHM, typ: 'JWT', kid: keys.kid })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(opts.customerId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(keys.privateKey);
}
