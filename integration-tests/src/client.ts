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
  /** AWS API access for scenarios that use it (catalog imports put a file in S3). */
  aws?: {
    /** The local target's engine (moto); unset: the SDK's own endpoint and credentials. */
    endpoint?: string;
    /** The catalog bucket (export op-catalog-<stage>-CatalogBucketName). */
    catalogBucket?: string;
  };
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

export class PlatformClient {
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

  placeOrder(
    token: string,
    lines: OrderView['lines'],
    idempotencyKey: string = randomUUID(),
    currency = 'EUR',
  ) {
    return call<OrderView & { error?: { code: string; message: string; details?: unknown[] } }>(
      `${this.api('orders')}/orders`,
      { token, body: { currency, lines }, headers: { 'idempotency-key': idempotencyKey } },
    );
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
  async provider(patch: { mode?: string; confirmDelayMs?: number }): Promise<void> {
    if (!this.endpoints.providerUrl)
      throw new Error('No simulated provider for this target: set E2E_PROVIDER_URL to its address');
    const r = await call(`${this.endpoints.providerUrl}/_control`, { body: patch });
    if (r.status !== 200) throw new Error(`provider control refused ${JSON.stringify(patch)}: ${r.status}`);
  }

  async providerStats(): Promise<{ requests: { charges: number } }> {
    const r = await call<{ requests: { charges: number } }>(`${this.endpoints.providerUrl}/_stats`);
    return r.body;
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
