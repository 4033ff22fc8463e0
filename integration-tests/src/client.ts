/**
 * A small client for the running platform, whatever runs it: the local runner, LocalStack
 * or an AWS stage. The end-to-end suite and `npm run demo` both drive the platform
 * through it, over its public HTTP APIs only (plus the simulated payment provider's
 * control endpoint, and the local runner's when there is one).
 */
import { randomUUID } from 'node:crypto';
import { issueDevToken } from '../../services/auth/src/dev/dev-issuer';

export interface PlatformEndpoints {
  target: string;
  /** Base URLs of the REST APIs by service (orders, reporting, webhook). */
  apis: Record<string, string>;
  /** The carrier API key (POST /webhooks/carrier). */
  carrierApiKey?: string;
  /** The simulated payment provider (its /_control changes how it answers). */
  providerUrl?: string;
  /** The local runner's control endpoint (local target only). */
  controlUrl?: string;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

export type OrderStatus = 'PLACED' | 'RESERVED' | 'PAYMENT_PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';

export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  statusReason?: string;
  paymentId?: string;
  total: number;
  lines: Array<{ sku: string; quantity: number; unitPrice: number }>;
}

export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const started = Date.now();
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: body as T, ms: Date.now() - started };
}

export interface ProviderCharge {
  id: string;
  orderId: string;
  customerId?: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  refunded: number;
}

export interface ProviderRefund {
  id: string;
  paymentId: string;
  amount: number;
  status: 'pending' | 'succeeded';
}

export type ProviderSettings = {
  mode?: string;
  confirmDelayMs?: number;
  /** Per customer id: their charges' own mode and confirmation delay. */
  customers?: Record<string, { mode?: string; confirmDelayMs?: number }>;
};

export class PlatformClient {
  /** Every order this client placed (201), for the reconciliation check at the end of a run. */
  readonly placed = new Map<string, { orderId: string; customerId: string }>();

  constructor(readonly endpoints: PlatformEndpoints) {}

  private api(name: string): string {
    const url = this.endpoints.apis[name];
    if (!url) throw new Error(`The ${this.endpoints.target} target has no ${name} API`);
    return url;
  }

  /** A token from the dev issuer (the local, localstack and dev stages trust it). */
  async token(customerId: string, role: 'customer' | 'admin' = 'customer'): Promise<string> {
    return issueDevToken({ customerId, role, ttlSeconds: 3600 });
  }

  async placeOrder(
    token: string,
    lines: OrderView['lines'],
    idempotencyKey: string = randomUUID(),
    currency = 'EUR',
  ) {
    const r = await call<OrderView & { error?: { code: string; message: string; details?: unknown[] } }>(
      `${this.api('orders')}/orders`,
      { token, body: { currency, lines }, headers: { 'idempotency-key': idempotencyKey } },
    );
    if (r.status === 201)
      this.placed.set(r.body.orderId, { orderId: r.body.orderId, customerId: r.body.customerId });
    return r;
  }

  getOrder(token: string, orderId: string) {
    return call<OrderView>(`${this.api('orders')}/orders/${orderId}`, { token });
  }

  listOrders(token: string, customerId: string) {
    return call<{ orders: OrderView[]; nextCursor?: string }>(
      `${this.api('orders')}/customers/${customerId}/orders`,
      { token },
    );
  }

  cancelOrder(token: string, orderId: string, reason = 'changed my mind') {
    return call<OrderView>(`${this.api('orders')}/orders/${orderId}/cancel`, { token, body: { reason } });
  }

  /** Polls the order until `done` holds (or fails with the last view after timeoutMs). */
  async waitForOrder(
    token: string,
    orderId: string,
    done: (o: OrderView) => boolean,
    timeoutMs = 60_000,
  ): Promise<OrderView & { waitedMs: number }> {
    const started = Date.now();
    let last: OrderView | undefined;
    while (Date.now() - started < timeoutMs) {
      const r = await this.getOrder(token, orderId);
      if (r.status === 200) {
        last = r.body;
        if (done(last)) return { ...last, waitedMs: Date.now() - started };
      }
      await new Promise((ok) => setTimeout(ok, 200));
    }
    throw new Error(
      `order ${orderId} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(last)}`,
    );
  }

  waitForStatus(token: string, orderId: string, statuses: OrderStatus[], timeoutMs?: number) {
    return this.waitForOrder(token, orderId, (o) => statuses.includes(o.status), timeoutMs);
  }

  report(token: string, path: string) {
    return call(`${this.api('reporting')}${path}`, { token });
  }

  dashboard(token: string, customerId: string) {
    return call(`${this.api('reporting')}/customers/${customerId}/dashboard`, { token });
  }

  carrierUpdate(body: unknown, apiKey = this.endpoints.carrierApiKey) {
    return call(`${this.api('webhook')}/webhooks/carrier`, {
      body,
      headers: apiKey ? { 'x-api-key': apiKey } : {},
    });
  }

  /** Changes how the simulated provider answers (mode approve | decline | fail | hang …). */
  async provider(patch: ProviderSettings): Promise<void> {
    const r = await call(`${this.providerUrl()}/_control`, { body: patch });
    if (r.status !== 200) throw new Error(`provider control refused ${JSON.stringify(patch)}: ${r.status}`);
  }

  private providerUrl(): string {
    if (!this.endpoints.providerUrl)
      throw new Error('No simulated provider for this target: set E2E_PROVIDER_URL to its address');
    return this.endpoints.providerUrl;
  }

  /** What the simulated provider holds for an order: its charges and their refunds. */
  async providerOrder(orderId: string): Promise<{ charges: ProviderCharge[]; refunds: ProviderRefund[] }> {
    const r = await call<{ charges: ProviderCharge[]; refunds: ProviderRefund[] }>(
      `${this.providerUrl()}/_orders/${encodeURIComponent(orderId)}`,
    );
    if (r.status !== 200) throw new Error(`provider order lookup failed: ${r.status}`);
    return r.body;
  }

  async providerStats(): Promise<{ requests: { charges: number } }> {
    const r = await call<{ requests: { charges: number } }>(`${this.endpoints.providerUrl}/_stats`);
    return r.body;
  }

  /** Polls `check` until it returns a value (not undefined), or fails with `what` after `timeoutMs`. */
  async until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Local runner only: the physical id of a stack's resource (a table, a queue, a bucket). */
  async resource(service: string, logicalId: string): Promise<string> {
    const all = await this.resources();
    const found = all.find((r) => r.service === service && r.logicalId === logicalId);
    if (!found) throw new Error(`no resource ${logicalId} in ${service}`);
    return found.physicalId;
  }

  async resources(): Promise<{ service: string; logicalId: string; type: string; physicalId: string }[]> {
    if (!this.endpoints.controlUrl) throw new Error('Resources are listed by the local runner only');
    const r = await call<{ service: string; logicalId: string; type: string; physicalId: string }[]>(
      `${this.endpoints.controlUrl}/_local/resources`,
    );
    return r.body;
  }

  /** Local runner only: the engines' addresses (moto, Postgres, Redis). */
  async engines(): Promise<{ moto: string; postgres: string; redis: string }> {
    if (!this.endpoints.controlUrl) throw new Error('Engines are known to the local runner only');
    const r = await call<{ engines: { moto: string; postgres: string; redis: string } }>(
      `${this.endpoints.controlUrl}/_local/info`,
    );
    return r.body.engines;
  }

  /** Local runner only: fire a schedule now (e.g. the nightly rollup). */
  async fireSchedule(ruleNamePart: string): Promise<string> {
    if (!this.endpoints.controlUrl) throw new Error('Firing a schedule needs the local runner');
    const info = await call<{ schedules: string[] }>(`${this.endpoints.controlUrl}/_local/info`);
    const name = info.body.schedules.find((s) => s.includes(ruleNamePart));
    if (!name) throw new Error(`no schedule matching ${ruleNamePart}: ${info.body.schedules.join(', ')}`);
    const r = await call(`${this.endpoints.controlUrl}/_local/schedules/${encodeURIComponent(name)}`, {
      method: 'POST',
    });
    if (r.status !== 200) throw new Error(`firing ${name} failed: ${JSON.stringify(r.body)}`);
    return name;
  }
}
