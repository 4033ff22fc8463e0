/**
 * A simulated external payment provider: a small local HTTP server for tests, the demo
 * and local runs. It behaves like the real kind of service the platform talks to:
 *
 *   POST /charges          { orderId, amount, currency, customerId? }  Idempotency-Key required
 *   POST /refunds          { paymentId, amount }                       Idempotency-Key required
 *   GET  /charges/:id
 *   GET  /charges?orderId=
 *   POST /_control         { mode, confirmDelayMs, webhookUrl, signingSecret }  (test hook)
 *   GET  /_stats           request counts (the breaker tests assert "no call was made")
 *   GET  /_orders/:orderId the charges and refunds held for one order (test hook)
 *
 * Modes: approve (201 pending, later payment.succeeded), decline (402 at once, later
 * payment.failed), decline-later (201 pending, later payment.failed), fail (503),
 * hang (never answers). Idempotency: a key replays the first stored answer; reusing a
 * key with a different body is a 422. Answers of fail/hang are not stored (nothing was
 * processed), so a retry after recovery goes through.
 *
 * Modes where money moves but the platform cannot know it (charges only; refunds and
 * look-ups answer normally, as they would at a real provider whose charge path is sick):
 * - timeout-after-charge: the charge is created (and confirmed later), the answer never
 *   comes; repeats of the key are lost the same way.
 * - timeout-after-charge-once: the same, but only the first answer for a key is lost: a
 *   retry with the same Idempotency-Key gets the stored answer.
 * - error-after-charge: the charge is created, the answer is a 500.
 * - charge-late: no answer; the charge is created only after `confirmDelayMs` (the
 *   provider's own queue), so a look-up made before then finds nothing.
 * - double-capture: answers normally, but captures the order twice (a second charge
 *   with another payment id, both confirmed).
 * Webhooks echo what the charge request carried: customerId, customerEmail, metadata.
 * Webhook faults (`webhooks: { repeat?, lateMs? }`): every webhook sent `repeat` more times
 * with the same event id, and/or `lateMs` later than the confirmation delay.
 * `customers: { <customerId>: { mode?, confirmDelayMs? } }` gives one customer's charges
 * their own mode and confirmation delay (concurrent scenarios, each its own failure).
 *
 * Each confirmation is POSTed to `webhookUrl` after `confirmDelayMs`, signed as the
 * webhook service verifies it: `Payment-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret,
 * "${t}.${rawBody}")>` (services/webhook/src/domain/signature.ts, published as
 * services/webhook/src/client/signature.ts), with up to 3 attempts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, signPayload } from '../../../webhook/src/client/signature';

export const PROVIDER_MODES = [
  'approve',
  'decline',
  'decline-later',
  'fail',
  'hang',
  'timeout-after-charge',
  'timeout-after-charge-once',
  'error-after-charge',
  'charge-late',
  'double-capture',
] as const;
export type ProviderMode = (typeof PROVIDER_MODES)[number];

/** How the provider treats one customer's charges, overriding the global settings. */
export interface CustomerSettings {
  mode?: ProviderMode;
  confirmDelayMs?: number;
}

export interface WebhookFaults {
  repeat?: number;
  lateMs?: number;
}

export interface SimulatorSettings {
  mode: ProviderMode;
  confirmDelayMs: number;
  /**
   * Per customer id (the charge request's `customerId`): lets concurrent scenarios each
   * have their own failure without flipping the whole provider. Charges only; look-ups
   * and refunds follow the global mode.
   */
  customers: Record<string, CustomerSettings>;
  /**
   * Webhook faults: every webhook delivered `repeat` more times (the same event id, as a
   * provider retrying after a lost acknowledgement does) and/or `lateMs` later than usual.
   */
  webhooks: WebhookFaults;
  webhookUrl?: string;
  signingSecret?: string;
}

export interface SimulatedProviderOptions extends Partial<SimulatorSettings> {
  port?: number;
  host?: string;
  /** When set, API calls must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  webhookAttempts?: number;
}

export interface Charge {
  id: string;
  orderId: string;
  customerId?: string;
  customerEmail?: string;
  metadata?: Record<string, string>;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  refunded: number;
  failureReason?: string;
  created: number;
}

export interface Refund {
  id: string;
  paymentId: string;
  amount: number;
  status: 'pending' | 'succeeded';
  created: number;
}

export interface WebhookEvent {
  id: string;
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded';
  created: number;
  data: {
    paymentId: string;
    orderId: string;
    amount: number;
    currency: string;
    reason?: string;
    refundId?: string;
    customerId?: string;
    customerEmail?: string;
    metadata?: Record<string, string>;
  };
}

export interface SimulatorStats {
  requests: { total: number; charges: number; refunds: number; getCharge: number; listCharges: number };
  chargesCreated: number;
  refundsCreated: number;
  idempotentReplays: number;
  rejectedAuth: number;
  /** Charge requests whose answer was deliberately lost (processed or queued). */
  lostAnswers: number;
  webhooks: { sent: number; delivered: number; failed: number; repeated: number };
}

export interface SimulatedProvider {
  url: string;
  port: number;
  settings(): SimulatorSettings;
  control(patch: Partial<SimulatorSettings>): SimulatorSettings;
  setApiKey(apiKey: string | undefined): void;
  stats(): SimulatorStats;
  charges(): Charge[];
  refunds(): Refund[];
  /** Every webhook delivered (or given up on) so far, in order. */
  deliveries(): { event: WebhookEvent; status: number | 'error'; attempts: number }[];
  /** Resolves when every confirmation scheduled so far has been delivered or given up. */
  webhooksSettled(): Promise<void>;
  stop(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const seconds = () => Math.floor(Date.now() / 1000);

function emptyStats(): SimulatorStats {
  return {
    requests: { total: 0, charges: 0, refunds: 0, getCharge: 0, listCharges: 0 },
    chargesCreated: 0,
    refundsCreated: 0,
    idempotentReplays: 0,
    rejectedAuth: 0,
    lostAnswers: 0,
    webhooks: { sent: 0, delivered: 0, failed: 0, repeated: 0 },
  };
}

function publicSettings(s: SimulatorSettings) {
  return {
    mode: s.mode,
    confirmDelayMs: s.confirmDelayMs,
    customers: s.customers,
    webhooks: s.webhooks,
    webhookUrl: s.webhookUrl ?? null,
    signingSecret: s.signingSecret ? '***' : null,
  };
}

export function parseControl(raw: unknown): Partial<SimulatorSettings> {
  if (!raw || typeof raw !== 'object') throw new Error('control body must be a JSON object');
  const body = raw as Record<string, unknown>;
  const patch: Partial<SimulatorSettings> = {};
  if (body.mode !== undefined) {
    if (!PROVIDER_MODES.includes(body.mode as ProviderMode))
      throw new Error(`mode must be one of ${PROVIDER_MODES.join(', ')}`);
    patch.mode = body.mode as ProviderMode;
  }
  if (body.confirmDelayMs !== undefined) {
    if (!Number.isInteger(body.confirmDelayMs) || (body.confirmDelayMs as number) < 0)
      throw new Error('confirmDelayMs must be an integer >= 0');
    patch.confirmDelayMs = body.confirmDelayMs as number;
  }
  if (body.customers !== undefined) {
    if (!body.customers || typeof body.customers !== 'object' || Array.isArray(body.customers))
      throw new Error('customers must be an object of customer id -> { mode?, confirmDelayMs? }');
    patch.customers = {};
    for (const [customerId, raw] of Object.entries(body.customers as Record<string, unknown>)) {
      const one = parseControl(raw ?? {});
      patch.customers[customerId] = {
        ...(one.mode ? { mode: one.mode } : {}),
        ...(one.confirmDelayMs !== undefined ? { confirmDelayMs: one.confirmDelayMs } : {}),
      };
    }
  }
  if (body.webhooks !== undefined) {
    const w = body.webhooks as Record<string, unknown> | null;
    if (!w || typeof w !== 'object' || Array.isArray(w))
      throw new Error('webhooks must be an object { repeat?, lateMs? }');
    patch.webhooks = {};
    for (const key of ['repeat', 'lateMs'] as const) {
      if (w[key] === undefined) continue;
      if (!Number.isInteger(w[key]) || (w[key] as number) < 0)
        throw new Error(`webhooks.${key} must be an integer >= 0`);
      patch.webhooks[key] = w[key] as number;
    }
  }
  for (const key of ['webhookUrl', 'signingSecret'] as const) {
    if (body[key] === null) patch[key] = undefined;
    else if (body[key] !== undefined) {
      if (typeof body[key] !== 'string') throw new Error(`${key} must be a string or null`);
      patch[key] = body[key] as string;
    }
  }
  return patch;
}

function fingerprintOf(body: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(body, Object.keys(body).sort()))
    .digest('hex');
}

/** Swallows an answer the simulated provider decided to lose. */
class FakeResponse {
  headersSent = false;
  writeHead() {
    return this;
  }
  end() {
    return this;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSimulatedProvider(
  opts: SimulatedProviderOptions = {},
): Promise<SimulatedProvider> {
  const settings: SimulatorSettings = {
    mode: opts.mode ?? 'approve',
    confirmDelayMs: opts.confirmDelayMs ?? 100,
    customers: opts.customers ?? {},
    webhooks: opts.webhooks ?? {},
    ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
    ...(opts.signingSecret ? { signingSecret: opts.signingSecret } : {}),
  };
  let apiKey = opts.apiKey;
  const webhookAttempts = opts.webhookAttempts ?? 3;
  const stats = emptyStats();
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, Refund>();
  const idempotency = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const deliveries: { event: WebhookEvent; status: number | 'error'; attempts: number }[] = [];
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function deliver(event: WebhookEvent): Promise<void> {
    const url = settings.webhookUrl;
    const secret = settings.signingSecret;
    if (!url) return;
    const raw = JSON.stringify(event);
    let status: number | 'error' = 'error';
    let attempts = 0;
    while (attempts < webhookAttempts && !stopped) {
      attempts++;
      stats.webhooks.sent++;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(secret ? { [SIGNATURE_HEADER]: signPayload(secret, raw, seconds()) } : {}),
          },
          body: raw,
          signal: AbortSignal.timeout(5_000),
        });
        status = res.status;
        await res.body?.cancel();
        if (res.ok) break;
      } catch {
        status = 'error';
      }
      await sleep(100 * attempts);
    }
    if (typeof status === 'number' && status >= 200 && status < 300) stats.webhooks.delivered++;
    else stats.webhooks.failed++;
    deliveries.push({ event, status, attempts });
  }

  /** Sends the event, then the repeats the webhook faults ask for (each a full delivery). */
  async function deliverWithRepeats(event: WebhookEvent): Promise<void> {
    const repeats = settings.webhooks.repeat ?? 0;
    await deliver(event);
    for (let i = 0; i < repeats && !stopped; i++) {
      stats.webhooks.repeated++;
      await deliver(event);
    }
  }

  /** Later, as the real provider would: settle the charge or refund, then tell the platform. */
  const modeFor = (customerId: unknown): ProviderMode =>
    (typeof customerId === 'string' ? settings.customers[customerId]?.mode : undefined) ?? settings.mode;
  const delayFor = (customerId: unknown): number =>
    (typeof customerId === 'string' ? settings.customers[customerId]?.confirmDelayMs : undefined) ??
    settings.confirmDelayMs;

  function confirmLater(apply: () => WebhookEvent, delayMs = settings.confirmDelayMs) {
    const p = sleep(delayMs + (settings.webhooks.lateMs ?? 0)).then(() =>
      stopped ? undefined : deliverWithRepeats(apply()),
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  const event = (type: WebhookEvent['type'], data: WebhookEvent['data']): WebhookEvent => ({
    id: id('evt'),
    type,
    created: seconds(),
    data,
  });
  const chargeData = (c: Charge) => ({
    paymentId: c.id,
    orderId: c.orderId,
    amount: c.amount,
    currency: c.currency,
    ...(c.customerId ? { customerId: c.customerId } : {}),
    ...(c.customerEmail ? { customerEmail: c.customerEmail } : {}),
    ...(c.metadata ? { metadata: c.metadata } : {}),
  });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const apiError = (
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) =>
    send(res, status, {
      error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', code, message },
      ...extra,
    });

  /** Metadata as a real provider keeps it: a flat map of short strings. */
  const metadataOf = (raw: unknown): Record<string, string> | undefined => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
    const entries = Object.entries(raw as Record<string, unknown>)
      .filter(([k, v]) => typeof v === 'string' && k.length <= 40 && v.length <= 500)
      .slice(0, 20) as [string, string][];
    return entries.length ? Object.fromEntries(entries) : undefined;
  };

  /** Creates a charge and schedules its confirmation (the answer is the caller's business). */
  function newCharge(
    body: Record<string, unknown>,
    outcome: 'succeed' | 'decline' | 'decline-later',
    delay = delayFor(body.customerId),
  ): Charge {
    const { orderId, amount, currency, customerId, customerEmail } = body;
    const metadata = metadataOf(body.metadata);
    const charge: Charge = {
      id: id('pay'),
      orderId: orderId as string,
      ...(typeof customerId === 'string' ? { customerId } : {}),
      ...(typeof customerEmail === 'string' ? { customerEmail } : {}),
      ...(metadata ? { metadata } : {}),
      amount: amount as number,
      currency: currency as string,
      status: outcome === 'decline' ? 'failed' : 'pending',
      refunded: 0,
      ...(outcome === 'decline' ? { failureReason: 'card_declined' } : {}),
      created: seconds(),
    };
    charges.set(charge.id, charge);
    stats.chargesCreated++;
    confirmLater(() => {
      if (outcome === 'decline')
        return event('payment.failed', { ...chargeData(charge), reason: 'card_declined' });
      if (outcome === 'decline-later') {
        charge.status = 'failed';
        charge.failureReason = 'insufficient_funds';
        return event('payment.failed', { ...chargeData(charge), reason: 'insufficient_funds' });
      }
      charge.status = 'succeeded';
      return event('payment.succeeded', chargeData(charge));
    }, delay);
    return charge;
  }

  function createCharge(body: Record<string, unknown>): { status: number; body: unknown } {
    const { orderId, amount, currency } = body;
    if (
      typeof orderId !== 'string' ||
      !Number.isInteger(amount) ||
      (amount as number) <= 0 ||
      typeof currency !== 'string'
    ) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'parameter_invalid',
            message: 'orderId, amount (integer > 0) and currency are required',
          },
        },
      };
    }
    const mode = modeFor(body.customerId);
    if (mode === 'decline') {
      const charge = newCharge(body, 'decline');
      return {
        status: 402,
        body: {
          error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
          charge,
        },
      };
    }
    const charge = newCharge(body, mode === 'decline-later' ? 'decline-later' : 'succeed');
    // A second, independent capture of the same order: the provider-side bug the
    // reconciler exists for.
    if (mode === 'double-capture') newCharge(body, 'succeed');
    return { status: 201, body: charge };
  }

  function createRefund(body: Record<string, unknown>): { status: number; body: unknown } {
    const { paymentId, amount } = body;
    const charge = typeof paymentId === 'string' ? charges.get(paymentId) : undefined;
    if (!charge)
      return {
        status: 404,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: `No such charge ${String(paymentId)}`,
          },
        },
      };
    if (!Number.isInteger(amount) || (amount as number) <= 0) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'parameter_invalid',
            message: 'amount must be an integer > 0',
          },
        },
      };
    }
    if (charge.status === 'failed') {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'charge_not_refundable',
            message: `Charge ${charge.id} failed; nothing to refund`,
          },
        },
      };
    }
    if ((amount as number) > charge.amount - charge.refunded) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'amount_too_large',
            message: 'Refund exceeds the unrefunded amount',
          },
        },
      };
    }
    charge.refunded += amount as number;
    const refund: Refund = {
      id: id('re'),
      paymentId: charge.id,
      amount: amount as number,
      status: 'pending',
      created: seconds(),
    };
    refunds.set(refund.id, refund);
    stats.refundsCreated++;
    confirmLater(() => {
      refund.status = 'succeeded';
      return event('refund.succeeded', { ...chargeData(charge), amount: refund.amount, refundId: refund.id });
    }, delayFor(charge.customerId));
    return { status: 201, body: refund };
  }

  async function idempotent(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    create: (body: Record<string, unknown>) => { status: number; body: unknown },
  ) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      return apiError(res, 400, 'idempotency_key_required', 'An Idempotency-Key header is required');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return apiError(res, 400, 'invalid_json', 'Body is not JSON');
    }
    const scope = `${req.url}|${key}`;
    const fingerprint = fingerprintOf(body);
    const stored = idempotency.get(scope);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return apiError(
          res,
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used with different parameters',
        );
      }
      stats.idempotentReplays++;
      return send(res, stored.status, stored.body, { 'idempotent-replayed': 'true' });
    }
    const answer = create(body);
    if (answer.status < 500) idempotency.set(scope, { fingerprint, ...answer });
    return send(res, answer.status, answer.body);
  }

  /** charge-late: the request hangs; the provider creates the charge later, once per key. */
  const lateKeys = new Set<string>();
  function chargeLate(req: IncomingMessage, raw: string) {
    const key = req.headers['idempotency-key'];
    stats.lostAnswers++;
    if (typeof key !== 'string' || lateKeys.has(key)) return;
    lateKeys.add(key);
    const scope = `${req.url}|${key}`;
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    const later = sleep(delayFor(body.customerId)).then(() => {
      if (stopped || idempotency.has(scope)) return;
      // Created late, confirmed at once: the webhook follows its (late) creation.
      const charge = newCharge(body, 'succeed', 0);
      idempotency.set(scope, { fingerprint: fingerprintOf(body), status: 201, body: charge });
    });
    pending.add(later);
    void later.finally(() => pending.delete(later));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    if (url.pathname === '/_stats' && req.method === 'GET') return send(res, 200, stats);
    if (url.pathname === '/_control' && req.method === 'POST') {
      try {
        Object.assign(settings, parseControl(JSON.parse(raw || '{}')));
      } catch (error) {
        return apiError(res, 400, 'invalid_control', (error as Error).message);
      }
      return send(res, 200, publicSettings(settings));
    }
    if (url.pathname === '/_control' && req.method === 'GET') return send(res, 200, publicSettings(settings));
    // Test hook, like /_stats: what the provider holds for one order (no API key needed).
    const forOrder = /^\/_orders\/([^/]+)$/.exec(url.pathname);
    if (forOrder && req.method === 'GET') {
      const orderId = decodeURIComponent(forOrder[1]!);
      const mine = [...charges.values()].filter((c) => c.orderId === orderId);
      const ids = new Set(mine.map((c) => c.id));
      return send(res, 200, {
        charges: mine,
        refunds: [...refunds.values()].filter((r) => ids.has(r.paymentId)),
        pendingWebhooks: pending.size,
      });
    }

    stats.requests.total++;
    const chargeById = /^\/charges\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/charges') stats.requests.charges++;
    else if (req.method === 'POST' && url.pathname === '/refunds') stats.requests.refunds++;
    else if (req.method === 'GET' && chargeById) stats.requests.getCharge++;
    else if (req.method === 'GET' && url.pathname === '/charges') stats.requests.listCharges++;
    else return apiError(res, 404, 'not_found', `No route ${req.method} ${url.pathname}`);

    if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
      stats.rejectedAuth++;
      return apiError(res, 401, 'invalid_api_key', 'Invalid API key');
    }
    if (settings.mode === 'hang') return; // never answers; the client's deadline decides
    if (settings.mode === 'fail')
      return apiError(res, 503, 'service_unavailable', 'The provider is having trouble; try again later');

    if (req.method === 'POST' && url.pathname === '/charges') {
      let customerId: unknown;
      try {
        customerId = (JSON.parse(raw || '{}') as { customerId?: unknown }).customerId;
      } catch {
        // not JSON: idempotent() answers 400
      }
      const mode = modeFor(customerId);
      if (mode === 'charge-late') return chargeLate(req, raw);
      const key = String(req.headers['idempotency-key'] ?? '');
      const firstForKey = !idempotency.has(`${req.url}|${key}`);
      if (
        mode === 'timeout-after-charge' ||
        mode === 'error-after-charge' ||
        (mode === 'timeout-after-charge-once' && firstForKey)
      ) {
        // Processed (or replayed) as usual; only the answer is lost on the way back.
        const lost = new FakeResponse();
        await idempotent(req, lost as unknown as ServerResponse, raw, createCharge);
        stats.lostAnswers++;
        if (mode !== 'error-after-charge') return; // the socket stays open until the client gives up
        return apiError(res, 500, 'internal_error', 'Something went wrong on our side');
      }
      return idempotent(req, res, raw, createCharge);
    }
    if (req.method === 'POST' && url.pathname === '/refunds') return idempotent(req, res, raw, createRefund);
    if (chargeById) {
      const charge = charges.get(decodeURIComponent(chargeById[1]!));
      return charge ? send(res, 200, charge) : apiError(res, 404, 'resource_missing', 'No such charge');
    }
    const orderId = url.searchParams.get('orderId');
    return send(res, 200, { data: [...charges.values()].filter((c) => !orderId || c.orderId === orderId) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) apiError(res, 500, 'internal', String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    settings: () => ({ ...settings }),
    control: (patch) => Object.assign(settings, patch),
    setApiKey: (key) => void (apiKey = key),
    stats: () => structuredClone(stats),
    charges: () => [...charges.values()].map((c) => ({ ...c })),
    refunds: () => [...refunds.values()].map((r) => ({ ...r })),
    deliveries: () => deliveries.map((d) => ({ ...d })),
    webhooksSettled: async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
