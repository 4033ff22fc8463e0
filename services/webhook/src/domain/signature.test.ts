import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { computeSignature, parseSignatureHeader, signPayload, verifySignature } = await import('./signature');

const SECRET = 'whsec_unit';
const BODY = '{"id":"evt_1","type":"payment.succeeded"}';
const T = 1_763_800_000;

describe('signPayload / verifySignature', () => {
  it('signs t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const header = signPayload(SECRET, BODY, T);
    const expected = crypto.createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(header).toBe(`t=${T},v1=${expected}`);
    expect(computeSignature(SECRET, BODY, T)).toBe(expected);
  });

  it('accepts its own signature', () => {
    expect(
      verifySignature({ header: signPayload(SECRET, BODY, T), rawBody: BODY, secrets: [SECRET], now: T }),
    ).toEqual({ ok: true, timestamp: T });
  });

  it.each([
    ['at the edge in the past', T - 300, true],
    ['at the edge in the future', T + 300, true],
    ['one second too old', T - 301, false],
    ['one second too far in the future', T + 301, false],
  ])('tolerates 300 s both ways: signed %s', (_what, signedAt, ok) => {
    const result = verifySignature({
      header: signPayload(SECRET, BODY, signedAt),
      rawBody: BODY,
      secrets: [SECRET],
      now: T,
    });
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.reason).toBe('timestamp_out_of_tolerance');
  });

  it('honours a custom tolerance', () => {
    const header = signPayload(SECRET, BODY, T - 61);
    expect(
      verifySignature({ header, rawBody: BODY, secrets: [SECRET], now: T, toleranceSeconds: 60 }).ok,
    ).toBe(false);
  });

  it('rejects a changed body, a changed timestamp and a wrong secret', () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature({ header, rawBody: `${BODY} `, secrets: [SECRET], now: T })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifySignature({ header: moved, rawBody: BODY, secrets: [SECRET], now: T })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifySignature({ header, rawBody: BODY, secrets: ['whsec_other'], now: T })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifySignature({ header, rawBody: BODY, secrets: [], now: T })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it.each([
    [undefined, 'missing_signature'],
    ['', 'missing_signature'],
    ['   ', 'missing_signature'],
    ['garbage', 'malformed_signature'],
    [`t=${T}`, 'malformed_signature'],
    [`v1=${'a'.repeat(64)}`, 'malformed_signature'],
    [`t=${T},v1=xyz`, 'malformed_signature'],
    [`t=${T},v1=${'A'.repeat(64)}`, 'malformed_signature'],
    [`t=-5,v1=${'a'.repeat(64)}`, 'malformed_signature'],
    [`t=${T},t=${T},v1=${'a'.repeat(64)}`, 'malformed_signature'],
    [`t=${T},v1=${'a'.repeat(64)},${'x'.repeat(3000)}`, 'malformed_signature'],
  ])('header %j → %s', (header, reason) => {
    expect(verifySignature({ header, rawBody: BODY, secrets: [SECRET], now: T })).toMatchObject({
      ok: false,
      reason,
    });
  });

  it('ignores unknown schemes next to v1', () => {
    const header = `${signPayload(SECRET, BODY, T)},v0=deadbeef,v2=${'b'.repeat(64)}`;
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(1);
    expect(verifySignature({ header, rawBody: BODY, secrets: [SECRET], now: T }).ok).toBe(true);
  });
});

describe('secret rotation', () => {
  it('accepts a header carrying several v1 values when any matches (the provider signs with old and new)', () => {
    const header = signPayload(['whsec_new', 'whsec_old'], BODY, T);
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
    expect(verifySignature({ header, rawBody: BODY, secrets: ['whsec_old'], now: T }).ok).toBe(true);
    expect(verifySignature({ header, rawBody: BODY, secrets: ['whsec_new'], now: T }).ok).toBe(true);
  });

  it("accepts a signature made with any of the receiver's secrets (our side rotates)", () => {
    const header = signPayload('whsec_old', BODY, T);
    expect(verifySignature({ header, rawBody: BODY, secrets: ['whsec_new', 'whsec_old'], now: T }).ok).toBe(
      true,
    );
  });
});

describe('constant-time comparison', () => {
  it('compares with timingSafeEqual on equal-length buffers, every candidate against every secret (no early exit)', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const header = `${signPayload(SECRET, BODY, T)},v1=${'0'.repeat(64)}`; // the match comes first
    expect(verifySignature({ header, rawBody: BODY, secrets: [SECRET, 'whsec_other'], now: T }).ok).toBe(
      true,
    );
    expect(spy).toHaveBeenCalledTimes(4);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
