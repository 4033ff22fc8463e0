import { describe, expect, it } from 'vitest';
import {
  ChargeNotRefundableError,
  PaymentDeclinedError,
  PaymentOutcomeUnknownError,
  PaymentRequestRejectedError,
  ProviderUnavailableError,
} from '../domain/errors';
import { buildProviderClient } from './provider-client';

type Call = { url: string; init: RequestInit };

function client(responses: (Response | Error)[], keys = ['key-1', 'key-2']) {
  const calls: Call[] = [];
  const keyReads: boolean[] = [];
  const fetchFake = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = responses.shift()!;
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  const provider = buildProviderClient({
    baseUrl: 'https://provider.test/',
    timeoutMs: 1_000,
    apiKey: async ({ forceFetch = false } = {}) => (keyReads.push(forceFetch), keys[keyReads.length - 1]!),
    fetch: fetchFake,
  });
  return { provider, calls, keyReads };
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const charge = { id: 'pay_1', orderId: 'o1', amount: 100, currency: 'EUR', status: 'pending' };
const req = { orderId: 'o1', amount: 100, currency: 'EUR', customerId: 'c1' };
const header = (c: Call, name: string) => (c.init.headers as Record<string, string>)[name];

describe('provider client', () => {
  it('sends the Idempotency-Key and the API key, and parses the charge', async () => {
    const { provider, calls } = client([json(201, charge)]);
    expect(await provider.charge(req, 'charge-o1')).toEqual(charge);
    expect(calls[0]!.url).toBe('https://provider.test/charges');
    expect(header(calls[0]!, 'idempotency-key')).toBe('charge-o1');
    expect(header(calls[0]!, 'authorization')).toBe('Bearer key-1');
    expect(calls[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  const fetchFailed = (code?: string) =>
    new TypeError('fetch failed', code ? { cause: Object.assign(new Error(code), { code }) } : undefined);

  it.each([
    [
      '402',
      json(402, { error: { code: 'card_declined' }, charge: { id: 'pay_2' } }),
      'PaymentDeclinedError',
      undefined,
    ],
    [
      '503 (refused before any work)',
      json(503, { error: { code: 'down' } }),
      'ProviderUnavailableError',
      'unavailable',
    ],
    ['429', json(429, {}), 'ProviderUnavailableError', 'rate-limited'],
    ['connection refused', fetchFailed('ECONNREFUSED'), 'ProviderUnavailableError', 'not-sent'],
    ['DNS failure', fetchFailed('ENOTFOUND'), 'ProviderUnavailableError', 'not-sent'],
    ['connect timeout', fetchFailed('UND_ERR_CONNECT_TIMEOUT'), 'ProviderUnavailableError', 'not-sent'],
    [
      '422',
      json(422, { error: { code: 'idempotency_key_reused' } }),
      'PaymentRequestRejectedError',
      undefined,
    ],
    [
      '500 (maybe after processing)',
      json(500, { error: { code: 'internal' } }),
      'PaymentOutcomeUnknownError',
      'server-error',
    ],
    [
      '502',
      new Response('<html>bad gateway</html>', { status: 502 }),
      'PaymentOutcomeUnknownError',
      'server-error',
    ],
    ['504', json(504, {}), 'PaymentOutcomeUnknownError', 'server-error'],
    [
      'deadline passed',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'PaymentOutcomeUnknownError',
      'timeout',
    ],
    ['connection reset mid-call', fetchFailed('ECONNRESET'), 'PaymentOutcomeUnknownError', 'connection-lost'],
    ['socket closed, no code', fetchFailed(), 'PaymentOutcomeUnknownError', 'connection-lost'],
    [
      '201 that is not JSON',
      new Response('<html>ok</html>', { status: 201 }),
      'PaymentOutcomeUnknownError',
      'unreadable-answer',
    ],
    [
      '201 of another shape',
      json(201, { hello: 'world' }),
      'PaymentOutcomeUnknownError',
      'unreadable-answer',
    ],
  ] as const)('a charge answered by %s is %s (%s)', async (_what, response, name, kind) => {
    const error = await client([response])
      .provider.charge(req, 'k')
      .catch((e: unknown) => e as Error & { kind?: string });
    expect(error).toBeInstanceOf(
      {
        PaymentDeclinedError,
        ProviderUnavailableError,
        PaymentRequestRejectedError,
        PaymentOutcomeUnknownError,
      }[name],
    );
    expect((error as { kind?: string }).kind).toBe(kind);
  });

  it('maps a refund of a failed charge to ChargeNotRefundableError', async () => {
    await expect(
      client([json(400, { error: { code: 'charge_not_refundable' } })]).provider.refund(
        { paymentId: 'pay_1', amount: 1 },
        'k',
      ),
    ).rejects.toBeInstanceOf(ChargeNotRefundableError);
  });

  it('refetches the API key once after a 401 (rotation), then gives up as unavailable', async () => {
    const ok = client([json(401, {}), json(201, charge)]);
    expect(await ok.provider.charge(req, 'k')).toEqual(charge);
    expect(ok.keyReads).toEqual([false, true]);
    expect(header(ok.calls[1]!, 'authorization')).toBe('Bearer key-2');
    const still = client([json(401, {}), json(401, {})]);
    const error = await still.provider.charge(req, 'k').catch((e: unknown) => e as ProviderUnavailableError);
    expect(error).toMatchObject({ name: 'ProviderUnavailableError', kind: 'unauthorized' });
  });
});
