/**
 * The payment provider's webhook signature scheme (P01). Self-contained (node:crypto
 * only) so the simulated provider can import it to sign what this service verifies.
 *
 *   Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${rawBody}`)>[,v1=<hex>...]
 *
 * - The timestamp is inside the signed string, so a captured request cannot be replayed
 *   outside the tolerance window (300 s, both directions: clocks drift either way).
 * - Several `v1` values may be present: while the provider rotates its secret it signs
 *   with the old and the new one. The receiver may also hold several secrets (its own
 *   rotation); any (secret, v1) match verifies.
 * - Comparison is constant-time (`timingSafeEqual` on equal-length buffers) and every
 *   candidate is compared, so timing reveals neither how much of a digest matched nor
 *   which candidate did.
 * - Unknown schemes (`v0=`, `v2=`) are ignored, so a provider can add one without breaking us.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Payment-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const HEX_DIGEST = /^[0-9a-f]{64}$/;
const MAX_HEADER_LENGTH = 2048;

/** Hex HMAC-SHA256 of `${timestamp}.${rawBody}`. */
export function computeSignature(secret: string, rawBody: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The header value for a body: one `v1` per secret (several while rotating). */
export function signPayload(
  secret: string | readonly string[],
  rawBody: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new Error('signPayload needs at least one secret');
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${computeSignature(s, rawBody, timestamp)}`)].join(',');
}

export type SignatureFailure =
  'missing_signature' | 'malformed_signature' | 'timestamp_out_of_tolerance' | 'signature_mismatch';

export type VerifyResult =
  { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure; message: string };

export interface VerifyInput {
  header: string | undefined;
  rawBody: string;
  /** The receiver's current secrets (more than one during a rotation). */
  secrets: readonly string[];
  /** Unix seconds; injectable for tests. */
  now?: number;
  toleranceSeconds?: number;
}

export interface ParsedHeader {
  timestamp: number;
  signatures: string[];
}

/** Parses `t=...,v1=...`; undefined when the header is garbled. */
export function parseSignatureHeader(header: string): ParsedHeader | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_DIGEST.test(value)) return undefined;
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  // Both are 64 hex chars by construction; the length check keeps timingSafeEqual from throwing.
  return left.length === right.length && timingSafeEqual(left, right);
}

export function verifySignature(input: VerifyInput): VerifyResult {
  const { header, rawBody, secrets } = input;
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing_signature', message: `Missing ${SIGNATURE_HEADER} header` };
  }
  const parsed = parseSignatureHeader(header);
  if (!parsed) {
    return {
      ok: false,
      reason: 'malformed_signature',
      message: `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<64 hex chars>`,
    };
  }
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - parsed.timestamp) > tolerance) {
    return {
      ok: false,
      reason: 'timestamp_out_of_tolerance',
      message: `Signature timestamp is more than ${tolerance} s away from now`,
    };
  }
  let matched = false;
  for (const secret of secrets) {
    const expected = computeSignature(secret, rawBody, parsed.timestamp);
    for (const candidate of parsed.signatures) {
      // No early exit: the work done does not depend on which candidate matches.
      matched = constantTimeEqualHex(expected, candidate) || matched;
    }
  }
  if (!matched)
    return { ok: false, reason: 'signature_mismatch', message: 'No signature matches the payload' };
  return { ok: true, timestamp: parsed.timestamp };
}
