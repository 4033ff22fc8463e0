/**
 * HTTP client for the external payment provider (P20's protected dependency).
 *
 * - Every call has a hard deadline (`AbortSignal.timeout`, covering the body too).
 * - Charges and refunds carry an `Idempotency-Key`: the provider answers a repeat with
 *   the first result, so a retry after a timeout never moves money twice.
 * - The API key comes from a cached secret (P31). A 401 refetches it once (the key may
 *   have been rotated since this container cached it) before giving up.
 * - Answers map to typed errors: 402 → PaymentDeclinedError; 5xx, 429, timeouts,
 *   network errors, a still-rejected key → ProviderUnavailableError (what the breaker
 *   counts); other 4xx → PaymentRequestRejectedError (a bug: retrying cannot help).
 */
import * as z from 'zod/mini';
import {
  ChargeNotRefundableError,
  PaymentDeclinedError,
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
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new ProviderUnavailableError(
            'timeout',
            `Payment provider did not answer ${method} ${path} within ${config.timeoutMs} ms`,
          );
        }
        throw new ProviderUnavailableError(
          'network',
          `Payment provider unreachable: ${(error as Error).message}`,
        );
      }
      if (status === 401 && attempt === 0) continue;
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        if (status < 500)
          throw new ProviderUnavailableError('server-error', `Payment provider sent non-JSON (${status})`);
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
    if (status >= 500)
      throw new ProviderUnavailableError(
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
      throw new ProviderUnavailableError(
        'server-error',
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
