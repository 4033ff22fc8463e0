/**
 * The order saga's world for the ASL tests and the saga benchmark: the state machine
 * exactly as `npm run package` left it, every Task bound to its real handler (orders,
 * inventory, payments) over moto DynamoDB and Secrets Manager, the simulated payment
 * provider over HTTP, and a receiver for its signed webhooks that turns them into
 * PaymentSucceeded / PaymentFailed events for the real resume handler, the way the
 * webhook service's writer publishes them (retrying a failed delivery, as EventBridge
 * retries its target), and for payments' settlement handler.
 *
 * With `ledgerServerUrl` (a Postgres server) the money side is real too: every webhook
 * is written to the payments ledger with the webhook service's own code, the orders'
 * outcomes are recorded for the reconciler, and `reconcile()` runs the real reconciler
 * handler, refunding through payments' real refundCapture handler.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import { paymentFailedV1, paymentSucceededV1, refundIssuedV1 } from '@order-platform/shared/events/payments';
import { createTableFromTemplate, lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { createDatabase } from '../../../test-support/src/engines';
import { ledgerMoney, type MoneyFact } from '../../../test-support/src/reconciliation';
import { httpEvent } from '../../../test-support/src/http-events';
import {
  loadStateMachineDefinition,
  runExecution,
  TaskTokenBroker,
  type ExecutionResult,
} from '../../../test-support/src/sfn-local';
import {
  startSimulatedProvider,
  type SimulatedProvider,
  type WebhookEvent,
} from '../../payments/src/simulator/provider';
import { SIGNATURE_HEADER, verifySignature } from '../../webhook/src/client/signature';
import { ledgerEntryFor } from '../../webhook/src/domain/ledger';
import { orderOutcomeFrom } from '../../webhook/src/domain/order-outcomes';
import { buildRecordEntries } from '../../webhook/src/adapters/ledger-store';
import { runMigrations } from '../../webhook/src/adapters/migrations';
import {
  buildLoadReconciliationFacts,
  buildMarkRefundRequested,
  buildRecordOrderOutcome,
  buildRememberFindings,
} from '../../webhook/src/adapters/reconciliation-store';
import { eventForChange } from '../src/domain/events';
import { startCatalog } from './catalog-fixture';
import type { Order } from '../src/domain/order';

type Lambda = (event: unknown, context: Context) => Promise<unknown>;
type Http = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const ctx = () => lambdaContext() as unknown as Context;
const invoke = (fn: Lambda) => (input: unknown) => fn(input, ctx());

export interface SagaWorldOptions {
  /** The only change made to the packaged ASL: the payment wait's timeout, so a test need not wait 15 minutes. */
  confirmationTimeoutSeconds: number;
  breakerFailureThreshold?: number;
  breakerCoolDownMs?: number;
  providerTimeoutMs?: number;
  /** A Postgres server: the payments ledger and the reconciler join the world. */
  ledgerServerUrl?: string;
}

export type LedgerBalance = MoneyFact;

export interface SagaWorld {
  provider: SimulatedProvider;
  broker: TaskTokenBroker;
  /** How the receiver treats the next webhooks: deliver once, twice, or hold them back. */
  webhookDelivery: 'once' | 'twice' | 'hold';
  /**
   * Per task state: how many of its next calls do their work and then fail as a Lambda
   * timeout does (Sandbox.Timedout): the write happened, the answer is lost.
   */
  timeoutAfterWork: Record<string, number>;
  /** Per task state: how many of its next calls crash before doing any work (a plain Error). */
  crashBeforeWork: Record<string, number>;
  /** Per task state: how many times Step Functions invoked it. */
  invocations: Record<string, number>;
  heldWebhooks: WebhookEvent[];
  resumeResults: string[];
  /** Puts each SKU on sale at its unitPrice, then places the order for the SKUs and quantities. */
  placeOrder(
    lines: { sku: string; quantity: number; unitPrice: number }[],
    customerId?: string,
  ): Promise<Order>;
  runSaga(order: Order): Promise<ExecutionResult>;
  /** Runs the saga to its end (throws if the execution itself failed) and, with a ledger, records its outcome. */
  runToEnd(
    order: Order,
  ): Promise<{ output: { status?: string } | undefined; order: Order & { taskToken?: string } }>;
  getOrder(orderId: string): Promise<Order & { taskToken?: string }>;
  cancel(orderId: string, customerId: string): Promise<APIGatewayProxyResult>;
  deliverOrderCancelled(before: Order, after: Order): Promise<unknown>;
  deliverWebhook(event: WebhookEvent): Promise<void>;
  /** Resolves once the provider sent every webhook it scheduled and the receiver handled each. */
  settled(): Promise<void>;
  /** Records the order's terminal outcome for the reconciler (the orders event it consumes). */
  recordOutcome(order: Order): Promise<void>;
  /** Runs the reconciler once (no grace period), refunding through payments. */
  reconcile(): Promise<{ findings: number; fresh: number; refunded: number; resolved: number }>;
  /** The ledger's money per payment id of these orders. */
  ledger(orderIds: string[]): Promise<LedgerBalance[]>;
  setStock(sku: string, available: number): Promise<void>;
  stock(skus: string[]): Promise<{ sku: string; available: number; reserved: number }[]>;
  stop(): Promise<void>;
}

export const newSku = () => `SKU-${randomBytes(4).toString('hex').toUpperCase()}`;

export async function startSagaWorld(opts: SagaWorldOptions): Promise<SagaWorld> {
  const ordersTable = await createTableFromTemplate('services/orders', 'OrdersTable');
  const stockTable = await createTableFromTemplate('services/inventory', 'InventoryTable');
  const paymentsTable = await createTableFromTemplate('services/payments', 'PaymentsTable');
  const breakerTable = await createTableFromTemplate('services/payments', 'BreakerTable');
  const apiKey = `sk_test_${randomBytes(6).toString('hex')}`;
  const secretArn = (
    await new SecretsManagerClient({}).send(
      new CreateSecretCommand({ Name: uniqueName('provider-key'), SecretString: apiKey }),
    )
  ).ARN!;
  const signingSecret = `whsec_${randomBytes(12).toString('hex')}`;

  const broker = await new TaskTokenBroker().start();
  process.env.AWS_ENDPOINT_URL_SFN = broker.url;

  // The catalog prices the orders (createOrder calls its priceLines through Lambda Invoke).
  const catalog = await startCatalog();

  // Each service's handlers read their configuration at import: import them in turn.
  process.env.TABLE_NAME = ordersTable;
  const createOrder = (await import('../src/handlers/create-order')).handler as unknown as Http;
  const cancelOrder = (await import('../src/handlers/cancel-order')).handler as unknown as Http;
  const sagaTasks = await import('../src/handlers/saga-tasks');
  const awaitPayment = (await import('../src/handlers/saga-await-payment')).handler as unknown as Lambda;
  const onPaymentOutcome = (await import('../src/handlers/payment-events')).handler as unknown as Lambda;
  const onOrderCancelled = (await import('../src/handlers/cancel-watcher')).handler as unknown as Lambda;
  const { buildGetOrder, documentClient } = await import('../src/adapters/orders-table');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const doc = documentClient(new DynamoDBClient({}));
  const readOrder = buildGetOrder(doc, ordersTable);

  process.env.TABLE_NAME = stockTable;
  const reserve = (await import('../../inventory/src/handlers/reserve-stock')).handler as unknown as Lambda;
  const release = (await import('../../inventory/src/handlers/release-stock')).handler as unknown as Lambda;
  const getStock = (await import('../../inventory/src/handlers/get-stock')).handler as unknown as Lambda;
  const { buildSetStock } = await import('../../inventory/src/adapters/stock-table');
  const setStock = buildSetStock(doc, stockTable);

  // eslint-disable-next-line prefer-const -- assigned after the receiver that closes over it
  let world: SagaWorld;
  const handling = new Set<Promise<void>>();
  const receiver: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const check = verifySignature({
        header: req.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        rawBody: raw,
        secrets: [signingSecret],
      });
      if (!check.ok) {
        res.writeHead(401).end(check.reason);
        return;
      }
      const event = JSON.parse(raw) as WebhookEvent;
      const handled = (async () => {
        try {
          if (world.webhookDelivery === 'hold') world.heldWebhooks.push(event);
          else {
            await world.deliverWebhook(event);
            if (world.webhookDelivery === 'twice') await world.deliverWebhook(event);
          }
        } catch (error) {
          world.resumeResults.push(`delivery failed: ${(error as Error).message}`);
        }
      })();
      handling.add(handled);
      void handled.finally(() => handling.delete(handled));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const provider = await startSimulatedProvider({
    apiKey,
    signingSecret,
    confirmDelayMs: 20,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/payments`,
  });

  let pool: pg.Pool | undefined;
  if (opts.ledgerServerUrl) {
    const url = await createDatabase(opts.ledgerServerUrl, uniqueName('saga_ledger').replace(/-/g, '_'));
    await runMigrations(url);
    pool = new pg.Pool({ connectionString: url, max: 3 });
  }
  const ledgerPool = async () => {
    if (!pool) throw new Error('this saga world has no ledger (ledgerServerUrl)');
    return pool;
  };
  const recordEntries = buildRecordEntries(ledgerPool);

  Object.assign(process.env, {
    PAYMENTS_TABLE_NAME: paymentsTable,
    BREAKER_TABLE_NAME: breakerTable,
    BREAKER_NAME: uniqueName('provider'),
    PROVIDER_BASE_URL: provider.url,
    PROVIDER_API_KEY_SECRET_ID: secretArn,
    PROVIDER_TIMEOUT_MS: String(opts.providerTimeoutMs ?? 1_000),
    BREAKER_FAILURE_THRESHOLD: String(opts.breakerFailureThreshold ?? 5),
    BREAKER_COOL_DOWN_MS: String(opts.breakerCoolDownMs ?? 10_000),
  });
  const charge = (await import('../../payments/src/handlers/charge-payment')).handler as unknown as Lambda;
  const refund = (await import('../../payments/src/handlers/refund-payment')).handler as unknown as Lambda;
  const refundCapture = (await import('../../payments/src/handlers/refund-capture'))
    .handler as unknown as Lambda;
  const settle = (await import('../../payments/src/handlers/settle-payment')).handler as unknown as Lambda;
  // The handler module reads its configuration at import; the world hands it its own ports.
  process.env.REFUND_CAPTURE_FUNCTION ??= 'bound-directly-by-the-saga-world';
  const { makeHandler: makeReconciler } = await import('../../webhook/src/handlers/reconcile-payments');
  const reconciler = makeReconciler({
    loadFacts: buildLoadReconciliationFacts(ledgerPool),
    remember: buildRememberFindings(ledgerPool),
    refundCapture: async (request) => (await refundCapture(request, ctx())) as never,
    markRefundRequested: buildMarkRefundRequested(ledgerPool),
    now: () => new Date(),
    graceSeconds: 0,
    orphanAfterSeconds: 3600,
    lookbackSeconds: 3600,
  });
  const recordOutcome = buildRecordOrderOutcome(ledgerPool);

  const definition = loadStateMachineDefinition('services/orders', 'OrderSagaStateMachine');
  definition.States.WaitForPaymentConfirmation.TimeoutSeconds = opts.confirmationTimeoutSeconds;

  const tasks = {
    Begin: invoke(sagaTasks.begin as unknown as Lambda),
    ReserveStock: invoke(reserve),
    MarkReserved: invoke(sagaTasks.transition as unknown as Lambda),
    ChargePayment: invoke(charge),
    MarkPaymentPending: invoke(sagaTasks.transition as unknown as Lambda),
    Confirm: invoke(sagaTasks.transition as unknown as Lambda),
    CheckRecordedOutcome: invoke(sagaTasks.recordedOutcome as unknown as Lambda),
    RefundPayment: invoke(refund),
    ReleaseStock: invoke(release),
    MarkFailed: invoke(sagaTasks.transition as unknown as Lambda),
  };
  // A task told to time out after its work runs the handler, then fails as Lambda does.
  for (const [state, run] of Object.entries(tasks) as [
    keyof typeof tasks,
    (i: unknown) => Promise<unknown>,
  ][])
    tasks[state] = async (input: unknown) => {
      world.invocations[state] = (world.invocations[state] ?? 0) + 1;
      if ((world.crashBeforeWork[state] ?? 0) > 0) {
        world.crashBeforeWork[state]!--;
        throw new Error(`${state}: the handler crashed (injected by the test)`);
      }
      const out = await run(input);
      if ((world.timeoutAfterWork[state] ?? 0) > 0) {
        world.timeoutAfterWork[state]!--;
        throw Object.assign(new Error('Task timed out after 6.00 seconds'), { name: 'Sandbox.Timedout' });
      }
      return out;
    };
  const noPause = Object.fromEntries(Object.keys(tasks).map((k) => [k, 0]));

  world = {
    provider,
    broker,
    webhookDelivery: 'once',
    timeoutAfterWork: {},
    crashBeforeWork: {},
    invocations: {},
    heldWebhooks: [],
    resumeResults: [],
    async placeOrder(lines, customerId = 'c-saga') {
      await catalog.sell(lines.map((l) => ({ sku: l.sku, eur: l.unitPrice })));
      const res = await createOrder(
        httpEvent({
          method: 'POST',
          body: { currency: 'EUR', lines: lines.map(({ sku, quantity }) => ({ sku, quantity })) },
          principal: { customerId },
        }),
        ctx(),
      );
      if (res.statusCode !== 201) throw new Error(`placeOrder failed: ${res.body}`);
      return (await readOrder(JSON.parse(res.body).orderId))!;
    },
    runSaga(order) {
      // The input EventBridge hands the state machine: the OrderPlaced event the outbox publishes.
      const placed = eventForChange(undefined, order) as Envelope<unknown>;
      const input = {
        version: '0',
        id: placed.metadata.eventId,
        'detail-type': 'OrderPlaced',
        source: placed.metadata.source,
        detail: placed,
      };
      return runExecution(definition, input, {
        tasks,
        callbacks: { WaitForPaymentConfirmation: invoke(awaitPayment) },
        broker,
        retryIntervalOverrides: noPause,
      });
    },
    async runToEnd(order) {
      const result = await world.runSaga(order);
      if (result.error) throw result.error;
      if (pool) await world.recordOutcome(order);
      return {
        output: result.output as { status?: string } | undefined,
        order: await world.getOrder(order.orderId),
      };
    },
    async getOrder(orderId) {
      return (await readOrder(orderId)) as Order & { taskToken?: string };
    },
    cancel: (orderId, customerId) =>
      cancelOrder(
        httpEvent({
          method: 'POST',
          pathParameters: { orderId },
          body: { reason: 'changed my mind' },
          principal: { customerId },
        }),
        ctx(),
      ),
    async deliverOrderCancelled(before, after) {
      const event = eventForChange(before, after)!;
      return onOrderCancelled(
        { 'detail-type': event.metadata.eventType, source: event.metadata.source, detail: event },
        ctx(),
      );
    },
    async deliverWebhook(event) {
      const common = {
        paymentId: event.data.paymentId,
        orderId: event.data.orderId,
        amount: event.data.amount,
        currency: event.data.currency as 'EUR',
        providerEventId: event.id,
      };
      const correlationId = event.data.metadata?.correlationId ?? `webhook-${event.id}`;
      if (pool) {
        // The writer's own code: the entry, then the ledger + outbox transaction.
        await recordEntries([
          ledgerEntryFor(
            {
              kind: 'provider.webhook',
              correlationId,
              receivedAt: new Date().toISOString(),
              event: event as never,
            },
            { fallbackCorrelationId: correlationId, now: new Date() },
          ),
        ]);
      }
      const meta = { correlationId, idempotencyKey: event.id };
      const at = new Date(event.created * 1000).toISOString();
      const published =
        event.type === 'payment.succeeded'
          ? envelope(paymentSucceededV1, { ...common, succeededAt: at }, meta)
          : event.type === 'payment.failed'
            ? envelope(
                paymentFailedV1,
                { ...common, reason: event.data.reason ?? 'declined', failedAt: at },
                meta,
              )
            : envelope(
                refundIssuedV1,
                {
                  ...common,
                  refundedAt: at,
                  ...(event.data.refundId ? { refundId: event.data.refundId } : {}),
                },
                meta,
              );
      const busEvent = {
        'detail-type': published.metadata.eventType,
        source: published.metadata.source,
        detail: published,
      };
      await settle(busEvent, ctx());
      if (event.type === 'refund.succeeded') return;
      // EventBridge retries a failing target (here: up to 10 times, at once).
      for (let attempt = 1; ; attempt++) {
        try {
          const out = (await onPaymentOutcome(busEvent, ctx())) as { result: string };
          world.resumeResults.push(out.result);
          return;
        } catch (error) {
          world.resumeResults.push('error');
          if (attempt >= 10) throw error;
        }
      }
    },
    async settled() {
      do {
        await provider.webhooksSettled();
        await Promise.all([...handling]);
      } while (handling.size > 0);
    },
    async recordOutcome(order) {
      const after = await readOrder(order.orderId);
      const event = eventForChange({ ...after!, status: 'PAYMENT_PENDING' }, after);
      if (!event) throw new Error(`order ${order.orderId} has not ended (${after?.status})`);
      await recordOutcome(orderOutcomeFrom(JSON.stringify({ detail: event })).outcome);
    },
    async reconcile() {
      const r = await reconciler();
      return { findings: r.findings, fresh: r.fresh, refunded: r.refunded, resolved: r.resolved };
    },
    ledger: async (orderIds) => ledgerMoney(await ledgerPool(), orderIds),
    setStock: (sku, available) => setStock(sku, available, new Date().toISOString()),
    async stock(skus) {
      const out = (await getStock({ skus }, ctx())) as {
        items: { sku: string; available: number; reserved: number }[];
      };
      return out.items;
    },
    async stop() {
      await catalog.stop();
      await provider.stop();
      await broker.stop();
      await pool?.end();
      await new Promise((r) => receiver.close(r));
    },
  };
  return world;
}
