/**
 * P16 end to end inside the service: the real router handler sends real Lambda Invoke
 * requests (InvocationType Event) to a local Invoke endpoint, which runs the real task
 * handlers with Lambda's async semantics from the packaged EventInvokeConfigs (retries,
 * then the invocation record to the on-failure queue, in moto). The tasks write the real
 * fulfilment table (moto) and book with the real simulated carrier over HTTP; the API
 * handlers read the table and presign against moto's S3.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyResult, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import { orderConfirmedV1, type OrderConfirmedV1 } from '@order-platform/shared/events/orders';
import { sampleShipmentUpdated } from '@order-platform/shared/events/shipments/shipmentUpdated.v1';
import { createTableFromTemplate, newOrderId, uniqueName } from '../../../test-support/src/aws';
import { httpEvent } from '../../../test-support/src/http-events';
import {
  asyncInvocationTarget,
  eventInvokeConfigFromTemplate,
  invokeAsync,
  type AsyncInvokeOutcome,
} from '../../../test-support/src/lambda-async';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '../../../test-support/src/lambda-invoke-server';
import { provisionMessaging, receiveAll, type ProvisionedMessaging } from '../../../test-support/src/sns-sqs';
import { buildBookShipment } from '../src/adapters/carrier-client';
import { buildFulfilmentStore, documentClient } from '../src/adapters/fulfilment-table';
import { buildFindProductFile, buildPresignDownload } from '../src/adapters/product-files';
import { buildInvokeTask } from '../src/adapters/task-invoker';
import type { LineView } from '../src/domain/fulfilment';
import type { FulfilmentStore } from '../src/domain/ports';
import { startSimulatedCarrier, type SimulatedCarrier } from '../src/simulator/carrier';

const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:op-fulfilment-dev-${fn}`;
const TASKS = {
  physical: arn('fulfilPhysical'),
  digital: arn('fulfilDigital'),
  giftcard: arn('fulfilGiftcard'),
};

let messaging: ProvisionedMessaging;
let server: LambdaInvokeServer;
let carrier: SimulatedCarrier;
let store: FulfilmentStore;
let table: string;
let bucket: string;
const s3 = new S3Client({ forcePathStyle: true });
const outcomes: Record<string, AsyncInvokeOutcome[]> = {};
// The handler modules build their production dependencies from the environment on load.
let physical: typeof import('../src/handlers/fulfil-physical');
let digital: typeof import('../src/handlers/fulfil-digital');
let giftcard: typeof import('../src/handlers/fulfil-giftcard');
let getFulfilment: typeof import('../src/handlers/get-fulfilment');
let redeem: typeof import('../src/handlers/redeem-gift-card');
let router: typeof import('../src/handlers/route-order');
let track: typeof import('../src/handlers/track-shipment');

beforeAll(async () => {
  messaging = await provisionMessaging('services/fulfilment');
  table = await createTableFromTemplate('services/fulfilment', 'FulfilmentTable');
  store = buildFulfilmentStore(documentClient(new DynamoDBClient({})), table);
  bucket = uniqueName('fulfilment-files');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'products/EBOOK-PATTERNS', Body: 'E-book: Lambda patterns' }),
  );
  carrier = await startSimulatedCarrier();
  Object.assign(process.env, {
    FULFILMENT_TABLE_NAME: table,
    FULFILMENT_BUCKET_NAME: bucket,
    CARRIER_BASE_URL: carrier.url,
  });
  physical = await import('../src/handlers/fulfil-physical');
  digital = await import('../src/handlers/fulfil-digital');
  giftcard = await import('../src/handlers/fulfil-giftcard');
  getFulfilment = await import('../src/handlers/get-fulfilment');
  redeem = await import('../src/handlers/redeem-gift-card');
  router = await import('../src/handlers/route-order');
  track = await import('../src/handlers/track-shipment');
  server = await startLambdaInvokeServer();
  const tasks = {
    fulfilPhysical: physical.makeHandler({
      store,
      book: buildBookShipment(carrier.url, { timeoutMs: 2000 }),
    }),
    fulfilDigital: digital.makeHandler({ store, findFile: buildFindProductFile(s3, bucket) }),
    fulfilGiftcard: giftcard.makeHandler({ store }),
  };
  for (const [fn, handler] of Object.entries(tasks)) {
    const config = eventInvokeConfigFromTemplate(messaging.template, fn, messaging.resolve, arn(fn));
    const target = asyncInvocationTarget(handler, config);
    outcomes[fn] = target.outcomes;
    server.register(`op-fulfilment-dev-${fn}`, target.target, { timeoutMs: 30_000 });
  }
});

afterAll(async () => {
  await server?.stop();
  await carrier?.stop();
});

const lambda = () => new LambdaClient({ endpoint: server.url });

function orderConfirmed(lines: OrderConfirmedV1['lines'], orderId = newOrderId()) {
  const detail: Envelope<OrderConfirmedV1> = envelope(
    orderConfirmedV1,
    {
      orderId,
      customerId: 'c-fulfil',
      total: 0,
      currency: 'EUR',
      confirmedAt: '2026-12-04T10:00:00.000Z',
      ...(lines ? { lines } : {}),
    },
    { correlationId: 'corr-fulfil', idempotencyKey: `${orderId}:v4:CONFIRMED` },
  );
  return {
    version: '0',
    id: `evt-${orderId}`,
    'detail-type': 'OrderConfirmed',
    source: 'order-platform.orders',
    account: '123456789012',
    time: '2026-12-04T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  } as EventBridgeEvent<string, unknown>;
}

const EACH_KIND: NonNullable<OrderConfirmedV1['lines']> = [
  { sku: 'MUG-LOGO', quantity: 2, unitPrice: 1250, kind: 'physical' },
  { sku: 'EBOOK-PATTERNS', quantity: 1, unitPrice: 1900, kind: 'digital' },
  { sku: 'GIFT-CARD-25', quantity: 1, unitPrice: 2500, kind: 'giftcard' },
];

async function giftCards(): Promise<number> {
  const out = await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }));
  return (out.Items ?? []).filter((i) => i.pk?.S?.startsWith('GIFTCARD#')).length;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, any>;

describe('the fulfilment router (P16)', () => {
  it('routes each line to the task for its kind, and a redelivered OrderConfirmed fulfils nothing twice', async () => {
    const route = router.makeHandler({ tasks: TASKS, invokeTask: buildInvokeTask(lambda()) });
    const event = orderConfirmed(EACH_KIND);
    const orderId = (event.detail as Envelope<OrderConfirmedV1>).data.orderId;
    const cardsBefore = await giftCards();

    expect(await route(event)).toEqual({ orderId, routed: 3 });
    await server.drain();
    const invoked = server.invocations.filter(
      (i) => (i.payload as Envelope<{ orderId: string }>).data.orderId === orderId,
    );
    expect(invoked.map((i) => [i.functionName, i.invocationType]).sort()).toEqual([
      ['op-fulfilment-dev-fulfilDigital', 'Event'],
      ['op-fulfilment-dev-fulfilGiftcard', 'Event'],
      ['op-fulfilment-dev-fulfilPhysical', 'Event'],
    ]);
    const lines = await store.lines(orderId);
    expect(lines.map((l) => [l.lineNo, l.kind, l.status])).toEqual([
      [1, 'physical', 'booked'],
      [2, 'digital', 'ready'],
      [3, 'giftcard', 'issued'],
    ]);
    expect([...carrier.bookings.values()].filter((b) => b.orderId === orderId)).toHaveLength(1);
    expect(await giftCards()).toBe(cardsBefore + 1);

    // EventBridge delivers at least once: the same event again.
    await route(event);
    await server.drain();
    const again = await store.lines(orderId);
    expect(again.map((l) => [l.status, l.duplicates])).toEqual([
      ['booked', 1],
      ['ready', 1],
      ['issued', 1],
    ]);
    expect(again[0]!.shipment).toEqual(lines[0]!.shipment);
    expect([...carrier.bookings.values()].filter((b) => b.orderId === orderId)).toHaveLength(1);
    expect(await giftCards()).toBe(cardsBefore + 1);
    expect(
      Object.values(outcomes)
        .flat()
        .filter((o) => (o.record.requestPayload as Envelope<{ orderId: string }>).data.orderId === orderId)
        .map((o) => (o.record.responsePayload as { outcome: string }).outcome)
        .sort(),
    ).toEqual(['duplicate', 'duplicate', 'duplicate', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('sends a kind with no task to the router failure destination with the original event and a reason', async () => {
    // A router whose table lacks the gift card task (a kind added before its task exists).
    const { giftcard: _none, ...known } = TASKS;
    const route = router.makeHandler({ tasks: known, invokeTask: buildInvokeTask(lambda()) });
    const event = orderConfirmed(EACH_KIND);
    const orderId = (event.detail as Envelope<OrderConfirmedV1>).data.orderId;
    const config = eventInvokeConfigFromTemplate(
      messaging.template,
      'routeOrder',
      messaging.resolve,
      arn('routeOrder'),
    );

    const outcome = await invokeAsync(route as (e: unknown) => Promise<unknown>, event, config);
    await server.drain();

    expect(outcome).toMatchObject({ condition: 'RetriesExhausted', attempts: 3 });
    const [record] = (await receiveAll(messaging.queues.RouterFailuresQueue!.url, { delete: true })).map(
      (m) => JSON.parse(m.Body!),
    );
    expect(record.requestPayload).toEqual(JSON.parse(JSON.stringify(event)));
    expect(record.responsePayload).toMatchObject({
      errorType: 'NoTaskForKindError',
      errorMessage: `No fulfilment task for kind "giftcard" (line 3, GIFT-CARD-25) of order ${orderId}; the other lines were routed`,
    });
    // The routable lines were fulfilled once, whatever the retries.
    expect((await store.lines(orderId)).map((l) => l.status)).toEqual(['booked', 'ready']);
    expect([...carrier.bookings.values()].filter((b) => b.orderId === orderId)).toHaveLength(1);
  });

  it('lands a task that keeps failing in its own failure destination with the command', async () => {
    carrier.settings.refuseCustomers = ['c-refused'];
    try {
      const route = router.makeHandler({ tasks: TASKS, invokeTask: buildInvokeTask(lambda()) });
      const event = orderConfirmed([EACH_KIND[0]!]);
      const detail = event.detail as Envelope<OrderConfirmedV1>;
      detail.data.customerId = 'c-refused';
      await route(event);
      await server.drain();

      const [record] = (await receiveAll(messaging.queues.PhysicalFailuresQueue!.url, { delete: true })).map(
        (m) => JSON.parse(m.Body!),
      );
      expect(record.requestContext).toMatchObject({
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      });
      expect(record.requestPayload).toMatchObject({
        metadata: { eventType: 'FulfilLine', idempotencyKey: `${detail.data.orderId}#1` },
        data: { orderId: detail.data.orderId, lineNo: 1, sku: 'MUG-LOGO', kind: 'physical' },
      });
      expect(record.responsePayload.errorType).toBe('CarrierRefusedError');
      // The line is not fulfilled, and says why.
      const [line] = await store.lines(detail.data.orderId);
      expect(line).toMatchObject({ status: 'processing' });
      expect(line!.lastError).toMatch(/^CarrierRefusedError: The carrier refused shipment .*: 422 /);
      expect(await receiveAll(messaging.queues.DigitalFailuresQueue!.url)).toEqual([]);
    } finally {
      carrier.settings.refuseCustomers = [];
    }
  });

  it('moves a shipment forward with the carrier updates, never back', async () => {
    const route = router.makeHandler({ tasks: TASKS, invokeTask: buildInvokeTask(lambda()) });
    const event = orderConfirmed([EACH_KIND[0]!]);
    const orderId = (event.detail as Envelope<OrderConfirmedV1>).data.orderId;
    await route(event);
    await server.drain();
    const [line] = await store.lines(orderId);
    const trackingNumber = line!.shipment!.trackingNumber;
    const apply = track.makeHandler({ store });
    const update = (status: 'in_transit' | 'label_created' | 'delivered', n: number) =>
      ({
        detail: sampleShipmentUpdated({
          carrierEventId: `evt_${orderId}_${n}`,
          orderId,
          trackingNumber,
          status,
        }),
      }) as EventBridgeEvent<string, unknown>;

    expect((await apply(update('in_transit', 1))).outcome).toBe('applied');
    expect((await apply(update('label_created', 2))).outcome).toBe('ignored'); // late, older
    expect((await apply(update('in_transit', 1))).outcome).toBe('ignored'); // repeated
    expect((await store.lines(orderId))[0]!.status).toBe('in_transit');
    expect((await apply(update('delivered', 3))).outcome).toBe('applied');
    expect((await store.lines(orderId))[0]!.status).toBe('delivered');
  });
});

describe('the fulfilment API', () => {
  it('shows a gift card code on the first read only, gives a presigned link with the injected expiry, and redeems a code once', async () => {
    const route = router.makeHandler({ tasks: TASKS, invokeTask: buildInvokeTask(lambda()) });
    const event = orderConfirmed(EACH_KIND);
    const orderId = (event.detail as Envelope<OrderConfirmedV1>).data.orderId;
    await route(event);
    await server.drain();

    const get = getFulfilment.makeHandler({
      store,
      presign: buildPresignDownload(s3, bucket),
      linkTtlSeconds: 3,
    });
    const read = (customerId: string) =>
      get(httpEvent({ pathParameters: { orderId }, principal: { customerId } }));

    expect((await read('c-someone-else')).statusCode).toBe(403);
    const first = await read('c-fulfil');
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['cache-control']).toBe('no-store');
    const lines = body(first).lines as LineView[];
    const card = lines[2]!.giftCard!;
    expect(card.revealed).toBe(true);
    expect(card.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    // Stored as a hash only, once the first read took it.
    const items = (await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }))).Items ?? [];
    expect(JSON.stringify(items)).not.toContain(card.code);
    const second = body(await read('c-fulfil')).lines as LineView[];
    expect(second[2]!.giftCard).toEqual({ code: `XXXX-XXXX-XXXX-${card.code.slice(-4)}`, revealed: false });

    // The link: presigned for the injected 3 s, and it serves the file. (moto_server
    // does not enforce X-Amz-Expires; the local runner's IAM gateway does, see its test.)
    const download = lines[1]!.download!;
    expect(new URL(download.url).searchParams.get('X-Amz-Expires')).toBe('3');
    const file = await fetch(download.url);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('E-book: Lambda patterns');

    const redeemOnce = redeem.makeHandler({ store });
    const ask = (code: string) =>
      redeemOnce(httpEvent({ method: 'POST', body: { code }, principal: { customerId: 'c-friend' } }));
    const ok = await ask(card.code.toLowerCase().replace(/-/g, ''));
    expect([ok.statusCode, body(ok)]).toEqual([200, { redeemed: true, amount: 2500, currency: 'EUR' }]);
    const twice = await ask(card.code);
    expect(twice.statusCode).toBe(409);
    expect(JSON.stringify(body(twice))).toMatch(/already redeemed at 20/);
    expect((await ask('ABCD-EFGH-JKMN-PQRS')).statusCode).toBe(404);
    expect((await store.lines(orderId))[2]!.status).toBe('redeemed');
  });
});
