/**
 * HTTP client for the external payment provider (P20's protected dependency).
 *
 * - Every call has a hard deadline (`AbortSignal.timeout`, covering the body too).
 * - Charges and refunds carry an `Idempotency-Key`: the provider answers a repeat with
 *   the first result, so a retry after a timeout never moves money twice.
 * - The API key comes from a cached secret (P31). A 401 refetches it once (the key may
 *   have been rotated since this container cached it) before giving up.
 * - Answers map to typed errors, by what the platform can know about the money:
 *   402 → PaymentDeclinedError; 429, 503, a still-rejected key, other 4xx, or a connection
 *   that never opened (refused, DNS, TLS) → the request provably moved nothing
 *   (ProviderUnavailableError, or PaymentRequestRejectedError for a 4xx bug); a
 *   timeout, a connection lost after the request went out, another 5xx or an unreadable 2xx
 *   → PaymentOutcomeUnknownError: the provider may have acted, the answer was lost.
 *   The breaker counts the last two kinds.
 */
import * as z from 'zod/mini';
import {
  ChargeNotRefundableError,
  PaymentDeclinedError,
  PaymentOutcomeUnknownError,
  PaymentRequestRejectedError,
  ProviderUnavailableError,
} from '../domain/errors';
import type { PaymentProvider, ProviderCharge } from '../domain/ports';

export type ApiKeySource = (opts?: { forceFetch?: boolean }) => Promise<string>;

export interface ProviderClientConfig {
  baseUrl: string;
  timeoutMs: number;
  apiKey: ApiKeySource;
  fetch?: typeof fetch;
}

const chargeSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  amount: z.number(),
  currency: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
});
const refundSchema = z.object({
  id: z.string(),
  paymentId: z.string(),
  amount: z.number(),
  status: z.enum(['pending', 'succeeded']),
});
const errorSchema = z.object({
  error: z.optional(z.object({ code: z.optional(z.string()), message: z.optional(z.string()) })),
  charge: z.optional(z.object({ id: z.string() })),
});

/**
 * Error codes of a connection that never carried the request: nothing reached the
 * provider, so nothing can have been charged. Anything else after the request started
 * (a reset, a socket closed mid-answer) leaves the outcome unknown.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Classifies a failed fetch (no HTTP status) as provably not sent, or outcome unknown. */
export function transportFailure(error: unknown, what: string, timeoutMs: number): Error {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new PaymentOutcomeUnknownError(
      'timeout',
      `Payment provider did not answer ${what} within ${timeoutMs} ms`,
    );
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : (error as Error)?.message;
  if (code && NOT_SENT_CODES.has(code)) {
    return new ProviderUnavailableError('not-sent', `Payment provider unreachable (${code}): ${detail}`);
  }
  return new PaymentOutcomeUnknownError(
    'connection-lost',
    `Payment provider connection failed during ${what}${code ? ` (${code})` : ''}: ${detail}`,
  );
}

export function buildProviderClient(config: ProviderClientConfig): PaymentProvider {
  const doFetch = config.fetch ?? fetch;
  const base = config.baseUrl.replace(/\/$/, '');

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<{ status: number; json: unknown }> {
    for (let attempt = 0; ; attempt++) {
      const apiKey = await config.apiKey({ forceFetch: attempt > 0 });
      let status: number;
      let text: string;
      try {
        const res = await doFetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${apiKey}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(config.timeoutMs),
        });
        status = res.status;
        text = await res.text();
      } catch (error) {
        throw transportFailure(error, `${method} ${path}`, config.timeoutMs);
      }
      if (status === 401 && attempt === 0) continue;
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        // A 2xx we cannot read may have moved money; a 5xx is unknown anyway (fail() below);
        // a 4xx was refused whatever its body says.
        if (status >= 200 && status < 300)
          throw new PaymentOutcomeUnknownError(
            'unreadable-answer',
            `Payment provider answered ${method} ${path} with ${status} and a body that is not JSON`,
          );
      }
      return { status, json };
    }
  }

  function fail(status: number, json: unknown, what: string): never {
    const parsed = errorSchema.safeParse(json);
    const code = parsed.success ? parsed.data.error?.code : undefined;
    const message = (parsed.success ? parsed.data.error?.message : undefined) ?? `HTTP ${status}`;
    if (status === 402)
      throw new PaymentDeclinedError(code ?? 'declined', parsed.success ? parsed.data.charge?.id : undefined);
    if (status === 401 || status === 403)
      throw new ProviderUnavailableError('unauthorized', `Payment provider rejected the API key (${status})`);
    if (status === 429)
      throw new ProviderUnavailableError('rate-limited', `Payment provider rate-limited ${what}`);
    // 503 is the provider refusing work it has not started ("unavailable, retry later"):
    // moved nothing. Check your provider's documentation: if it does not promise that,
    // 503 belongs with the other 5xx below.
    if (status === 503)
      throw new ProviderUnavailableError(
        'unavailable',
        `Payment provider unavailable for ${what}: ${message}`,
      );
    if (status >= 500)
      throw new PaymentOutcomeUnknownError(
        'server-error',
        `Payment provider failed ${what}: ${status} ${message}`,
      );
    if (code === 'charge_not_refundable') throw new ChargeNotRefundableError(message);
    throw new PaymentRequestRejectedError(
      `Payment provider rejected ${what}: ${status} ${code ?? ''} ${message}`.trim(),
    );
  }

  function parse<T>(schema: z.ZodMiniType<T>, json: unknown, what: string): T {
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new PaymentOutcomeUnknownError(
        'unreadable-answer',
        `Unexpected ${what} answer from the payment provider`,
      );
    return parsed.data;
  }

  return {
    async charge(request, idempotencyKey) {
      const { status, json } = await call('POST', '/charges', request, idempotencyKey);
      if (status !== 200 && status !== 201) fail(status, json, 'the charge');
      return parse(chargeSchema, json, 'charge') as ProviderCharge;
    },
    async refund(request, idempotencyKey) {
      const { status, json } = await call('POST', '/refunds', request, idempotencyKey);
      if (status !== 200 && status !== 201) fail(status, json, 'the refund');
      return parse(refundSchema, json, 'refund');
    },
    async findCharges(orderId) {
      const { status, json } = await call('GET', `/charges?orderId=${encodeURIComponent(orderId)}`);
      if (status !== 200) fail(status, json, 'the charge lookup');
      return parse(z.object({ data: z.array(chargeSchema) }), json, 'charge list').data as ProviderCharge[];
    },
  };
}
