/**
 * A small client for the running platform, whatever runs it: the local runner, LocalStack
 * or an AWS stage. The end-to-end suite and `npm run demo` both drive the platform
 * through it, over its public HTTP APIs only (plus the simulated payment provider's
 * control endpoint, and the local runner's when there is one).
 *
 * Billing evidence (order to cash) is read where it lives, read-only: invoice documents
 * and accounting exports in S3, sent receipts in SES (the local runner's moto only: SES
 * has no API that lists sent mail).
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { issueDevToken } from '../../services/auth/src/dev/dev-issuer';
import { signPayload, SIGNATURE_HEADER } from '../../services/webhook/src/client/signature';
import { reinvokeFailures } from '../../tooling/dlq/replay';

export interface PlatformEndpoints {
  target: string;
  /** Base URLs of the REST APIs by service (orders, reporting, webhook, invoicing). */
  apis: Record<string, string>;
  /** The carrier API key (POST /webhooks/carrier). */
  carrierApiKey?: string;
  /** The web front end's key for POST /clickstream (analytics). */
  clickstreamApiKey?: string;
  /** The simulated payment provider (its /_control changes how it answers). */
  providerUrl?: string;
  /** The simulated carrier (its /_control and /_shipments), local target only. */
  carrierUrl?: string;
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

/** The statuses an order ends in. */
export const FINAL_STATUSES: OrderStatus[] = ['CONFIRMED', 'FAILED', 'CANCELLED'];

export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  statusReason?: string;
  paymentId?: string;
  total: number;
  /** As placed: the customer's SKUs and quantities, priced by the catalog at that moment. */
  lines: Array<{ sku: string; quantity: number; unitPrice: number; kind: string }>;
  /** Once confirmed: where each line's fulfilment is shown (the fulfilment API). */
  fulfilmentUrl?: string;
}

/** What the SDK clients reading the target need (moto locally; the default chain elsewhere). */
interface AwsConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
}

/** One line of an order as the fulfilment API answers it (services/fulfilment README). */
export interface FulfilmentLine {
  lineNo: number;
  sku: string;
  kind: string;
  quantity: number;
  status: string;
  shipment?: { carrier: string; trackingNumber: string };
  download?: { url: string; expiresAt: string };
  giftCard?: { code: string; revealed: boolean; redeemedAt?: string };
  duplicatesIgnored?: number;
  problem?: string;
}

export interface FulfilmentView {
  orderId: string;
  lines: FulfilmentLine[];
}

export interface CarrierShipment {
  reference: string;
  orderId: string;
  trackingNumber: string;
  delivered: string[];
  failed: string[];
}

/** One invoice as the billing API answers it (services/invoicing README). */
export interface InvoiceView {
  invoiceId: string;
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
  issuedAt: string;
  document: { bucket: string; key: string };
}

/** One accounting export line (services/accounting: one JSON object per billing fact). */
export interface ExportLine {
  key: string;
  recordType: string;
  idempotencyKey: string;
  correlationId: string;
  data: Record<string, unknown>;
}

export interface SentEmail {
  subject: string;
  body: string;
  source: string;
}

/** Everything order to cash leaves behind for one order (see `waitForBilling`). */
export interface BillingTrail {
  invoice: InvoiceView;
  /** The invoice document as stored in S3 (parsed JSON). */
  document: Record<string, unknown>;
  /** Receipt emails for the order (local target; empty when not checked). */
  receipts: SentEmail[];
  /** Accounting export lines: PaymentCaptured, InvoiceIssued, InvoiceDocumentStored. */
  exports: ExportLine[];
  waitedMs: number;
}

/** Polls `probe` until it returns something (not undefined) or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string; last?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const last = opts.last?.();
      throw new Error(
        `${opts.what ?? 'condition'} not met within ${opts.timeoutMs ?? 60_000} ms${last === undefined ? '' : `: ${JSON.stringify(last)}`}`,
      );
    }
    await new Promise((ok) => setTimeout(ok, opts.intervalMs ?? 300));
  }
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

/**
 * moto's dump of every model (`/moto-api/data.json`). moto builds it by reading every
 * attribute of every instance while other requests keep changing them, so under load it
 * sometimes fails with a 500 (an HTML error page): read again, a few times, before giving up.
 */
async function motoModelData(motoUrl: string, attempts = 8): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${motoUrl}/moto-api/data.json`);
    const text = await res.text();
    if (res.ok) return JSON.parse(text);
    if (attempt >= attempts)
      throw new Error(
        `moto /moto-api/data.json answered ${res.status} ${attempts} times: ${text.slice(0, 200)}`,
      );
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
}

export class PlatformClient {
  /** Every order this client placed (201), for the reconciliation check at the end of a run. */
  readonly placed = new Map<string, { orderId: string; customerId: string }>();

  constructor(readonly endpoints: PlatformEndpoints) {}

  private localInfoCache?: Promise<{
    engines: { moto: string; postgres: string; redis: string };
    lambdaUrl: string;
    exports: Record<string, string>;
  }>;

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
    lines: { sku: string; quantity: number }[],
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

  /** Waits until the order has ended: CONFIRMED, FAILED or CANCELLED. */
  waitUntilEnded(token: string, orderId: string, timeoutMs?: number) {
    return this.waitForStatus(token, orderId, FINAL_STATUSES, timeoutMs);
  }

  report(token: string, path: string) {
    return call(`${this.api('reporting')}${path}`, { token });
  }

  dashboard(token: string, customerId: string) {
    return call(`${this.api('reporting')}/customers/${customerId}/dashboard`, { token });
  }

  /** GET the fulfilment API: each line of an order as fulfilment sees it (P16). */
  fulfilment(token: string, orderId: string) {
    return call<FulfilmentView>(`${this.api('fulfilment')}/orders/${orderId}/fulfilment`, { token });
  }

  redeemGiftCard(token: string, code: string) {
    return call<{ redeemed?: boolean; amount?: number; error?: { code: string; message: string } }>(
      `${this.api('fulfilment')}/giftcards/redeem`,
      { token, body: { code } },
    );
  }

  /** Changes how the simulated carrier answers (stepMs, refuseCustomers). Local target. */
  async carrier(patch: { stepMs?: number; refuseCustomers?: string[] }): Promise<void> {
    const r = await call(`${this.carrierUrl()}/_control`, { body: patch });
    if (r.status !== 200) throw new Error(`carrier control refused ${JSON.stringify(patch)}: ${r.status}`);
  }

  /** The shipments the simulated carrier booked for an order, with the updates it delivered. */
  async carrierShipments(orderId: string): Promise<CarrierShipment[]> {
    const r = await call<{ shipments: CarrierShipment[] }>(
      `${this.carrierUrl()}/_shipments?orderId=${encodeURIComponent(orderId)}`,
    );
    return r.body.shipments;
  }

  private carrierUrl(): string {
    if (!this.endpoints.carrierUrl)
      throw new Error('No simulated carrier for this target (local runner only)');
    return this.endpoints.carrierUrl;
  }

  /** Puts an event on the platform bus, as its producer would (a redelivery, a replay). */
  async putPlatformEvent(source: string, detailType: string, detail: unknown): Promise<void> {
    const bus = await this.stackExport('op-platform', 'EventBusName');
    const eb = new EventBridgeClient(await this.awsConfig());
    try {
      const out = await eb.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: bus, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      if (out.FailedEntryCount) throw new Error(`PutEvents refused: ${JSON.stringify(out.Entries)}`);
    } finally {
      eb.destroy();
    }
  }

  /**
   * Local target: takes from a stack's queue (`service`/`logicalId`) the messages `match`
   * picks, deleting them (an operator taking a dead letter to handle it); leaves the rest.
   */
  async takeQueueMessages(service: string, logicalId: string, match: (body: string) => boolean) {
    return this.queueMessages(service, logicalId, match, true);
  }

  /** Local runner: the bodies of the messages of a queue that match, left where they are. */
  async peekQueueMessages(service: string, logicalId: string, match: (body: string) => boolean) {
    return this.queueMessages(service, logicalId, match, false);
  }

  /**
   * Local runner: what an operator does once a failure's cause is fixed: each record of a
   * Lambda on-failure queue runs its function again with the original event
   * (`npm run dlq:replay -- <queue> --reinvoke`, the same code).
   */
  async reinvokeFailures(service: string, logicalId: string) {
    const queue = await this.localQueue(service, logicalId);
    const info = await this.localInfo();
    const sqs = new SQSClient(await this.awsConfig());
    const lambda = new LambdaClient({
      endpoint: info.lambdaUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      return await reinvokeFailures(sqs, lambda, { queue: queue.physicalId });
    } finally {
      sqs.destroy();
      lambda.destroy();
    }
  }

  private async localQueue(service: string, logicalId: string) {
    if (!this.endpoints.controlUrl) throw new Error('This needs the local runner');
    const resources = (
      await call<{ service: string; logicalId: string; physicalId: string }[]>(
        `${this.endpoints.controlUrl}/_local/resources`,
      )
    ).body;
    const queue = resources.find((r) => r.service === service && r.logicalId === logicalId);
    if (!queue) throw new Error(`no queue ${service}/${logicalId}`);
    return queue;
  }

  private async queueMessages(
    service: string,
    logicalId: string,
    match: (body: string) => boolean,
    take: boolean,
  ) {
    const queue = await this.localQueue(service, logicalId);
    const sqs = new SQSClient(await this.awsConfig());
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.physicalId,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      const taken: string[] = [];
      for (const m of out.Messages ?? [])
        if (match(m.Body ?? '')) {
          if (take)
            await sqs.send(
              new DeleteMessageCommand({ QueueUrl: queue.physicalId, ReceiptHandle: m.ReceiptHandle! }),
            );
          taken.push(m.Body ?? '');
        }
      return taken;
    } finally {
      sqs.destroy();
    }
  }

  /** GET the billing API: a customer's issued invoices, newest first (`limit` 1..100, `cursor`). */
  invoices(token: string, customerId: string, query: { limit?: number; cursor?: string } = {}) {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const qs = params.toString();
    return call<{ customerId: string; invoices: InvoiceView[]; nextCursor?: string }>(
      `${this.api('invoicing')}/customers/${customerId}/invoices${qs ? `?${qs}` : ''}`,
      { token },
    );
  }

  /** Polls the billing API until the order has an invoice (every page is read). */
  async waitForInvoice(
    token: string,
    customerId: string,
    orderId: string,
    timeoutMs = 60_000,
  ): Promise<InvoiceView & { waitedMs: number }> {
    const started = Date.now();
    let last: unknown;
    const invoice = await eventually(
      async () => {
        let cursor: string | undefined;
        do {
          const r = await this.invoices(token, customerId, { limit: 100, ...(cursor ? { cursor } : {}) });
          last = { status: r.status, body: r.body };
          if (r.status !== 200) return undefined;
          const found = r.body.invoices.find((i) => i.orderId === orderId);
          if (found) return found;
          cursor = r.body.nextCursor;
        } while (cursor);
        return undefined;
      },
      { timeoutMs, what: `an invoice for order ${orderId}`, last: () => last },
    );
    return { ...invoice, waitedMs: Date.now() - started };
  }

  /** The stored invoice document (parsed), or undefined while it does not exist. */
  async invoiceDocument(document: {
    bucket: string;
    key: string;
  }): Promise<Record<string, unknown> | undefined> {
    const s3 = new S3Client(await this.awsConfig());
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: document.bucket, Key: document.key }));
      return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /**
   * Accounting's export lines whose key names one of `ids` (a payment id, an invoice id:
   * export objects are named after the record's idempotency key), read from the exports
   * bucket (export `op-accounting-<stage>-ExportsBucketName`).
   */
  async accountingExports(ids: string[]): Promise<ExportLine[]> {
    const bucket = await this.stackExport('op-accounting', 'ExportsBucketName');
    const s3 = new S3Client(await this.awsConfig());
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: 'exports/',
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (ids.some((id) => o.Key!.includes(id))) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return Promise.all(
      keys.map(async (key) => {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { key, ...(JSON.parse(await out.Body!.transformToString()) as Omit<ExportLine, 'key'>) };
      }),
    );
  }

  /** Emails SES sent to `address` (local target: moto keeps them; SES cannot list sent mail). */
  async emailsTo(address: string): Promise<SentEmail[]> {
    if (!this.endpoints.controlUrl) throw new Error('Reading sent emails needs the local runner (moto SES)');
    const { engines } = await this.localInfo();
    const data = (await motoModelData(engines.moto)) as {
      ses?: { Message?: Array<SentEmail & { destinations?: { ToAddresses?: string[] } }> };
    };
    return (data.ses?.Message ?? [])
      .filter((m) => m.destinations?.ToAddresses?.includes(address))
      .map((m) => ({ subject: m.subject, body: m.body, source: m.source }));
  }

  /**
   * Order to cash for one order: waits until the billing API lists its invoice, the
   * document is in S3, accounting exported the payment, the invoice and the document, and
   * (local target, or `email` given and `checkReceipts`) a receipt went to `email`.
   */
  async waitForBilling(
    token: string,
    customerId: string,
    orderId: string,
    opts: { email?: string; checkReceipts?: boolean; timeoutMs?: number } = {},
  ): Promise<BillingTrail> {
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const invoice = await this.waitForInvoice(token, customerId, orderId, timeoutMs);
    const checkReceipts = (opts.checkReceipts ?? this.endpoints.target === 'local') && !!opts.email;
    let last: Record<string, unknown> = {};
    return eventually(
      async () => {
        const document = await this.invoiceDocument(invoice.document);
        const exports = await this.accountingExports([invoice.paymentId, invoice.invoiceId]);
        const types = new Set(exports.map((e) => e.recordType));
        const receipts = checkReceipts
          ? (await this.emailsTo(opts.email!)).filter((m) => m.subject === `Receipt for order ${orderId}`)
          : [];
        last = { document: !!document, exported: [...types], receipts: receipts.length };
        const complete =
          document &&
          ['PaymentCaptured', 'InvoiceIssued', 'InvoiceDocumentStored'].every((t) => types.has(t)) &&
          (!checkReceipts || receipts.length > 0);
        const { waitedMs: _w, ...view } = invoice;
        return complete
          ? { invoice: view, document, receipts, exports, waitedMs: Date.now() - started }
          : undefined;
      },
      { timeoutMs, what: `the billing trail of order ${orderId}`, last: () => last },
    );
  }

  /**
   * Posts a payment provider webhook to POST /webhooks/payments, signed with the webhook
   * stack's own signing secret (`op-webhook/<stage>/payment-signing-secret`), as the
   * provider would: a way to drive the ledger (and its billing records) directly.
   */
  async providerWebhook(event: Record<string, unknown>): Promise<Reply> {
    const secret = await this.webhookSigningSecret();
    const body = JSON.stringify(event);
    return call(`${this.api('webhook')}/webhooks/payments`, {
      body,
      headers: { [SIGNATURE_HEADER]: signPayload(secret, body) },
    });
  }

  /**
   * The webhook stack's current payment signing secret (`op-webhook/<stage>/payment-signing-secret`,
   * its first line): what the provider signs with. The hostile corpus signs bad bodies
   * with it, so that the body, not the signature, is what the platform must refuse.
   */
  async webhookSigningSecret(): Promise<string> {
    const { forcePathStyle: _s3Only, ...config } = await this.awsConfig();
    const secrets = new SecretsManagerClient(config);
    const out = await secrets.send(
      new GetSecretValueCommand({ SecretId: `op-webhook/${this.stage()}/payment-signing-secret` }),
    );
    return out.SecretString!.split('\n')[0]!.trim();
  }

  private stage(): string {
    return this.endpoints.target === 'local' ? 'local' : this.endpoints.target;
  }

  /** Local runner only: its engines' addresses and the stacks' exports (read once). */
  localInfo() {
    if (!this.endpoints.controlUrl) throw new Error('This needs the local runner');
    this.localInfoCache ??= call<{
      engines: { moto: string; postgres: string; redis: string };
      lambdaUrl: string;
      exports: Record<string, string>;
    }>(`${this.endpoints.controlUrl}/_local/info`).then((r) => r.body);
    return this.localInfoCache;
  }

  /** SDK settings for reading the target's AWS resources (moto for the local runner). */
  private async awsConfig(): Promise<AwsConfig> {
    if (this.endpoints.target === 'local') {
      const { engines } = await this.localInfo();
      return {
        endpoint: engines.moto,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        forcePathStyle: true,
      };
    }
    return { forcePathStyle: !!process.env.AWS_ENDPOINT_URL };
  }

  /** A stack's exported value: the runner's exports locally, the stack's outputs elsewhere. */
  private async stackExport(service: string, name: string): Promise<string> {
    const exportName = `${service}-${this.stage()}-${name}`;
    if (this.endpoints.target === 'local') {
      const value = (await this.localInfo()).exports[exportName];
      if (!value) throw new Error(`the local runner has no export ${exportName}`);
      return value;
    }
    const out = await new CloudFormationClient({}).send(
      new DescribeStacksCommand({ StackName: `${service}-${this.stage()}` }),
    );
    const value = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === name)?.OutputValue;
    if (!value) throw new Error(`${service}-${this.stage()} has no ${name} output`);
    return value;
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
