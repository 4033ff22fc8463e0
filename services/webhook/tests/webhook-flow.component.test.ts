/**
 * P01 + P17 + P31 + X1 end to end in one process: the real receiver (signature, 202,
 * enqueue to moto SQS), the real writer (Postgres ledger + outbox, events to a moto
 * EventBridge bus observed through a rule → SQS target) and the real outbox relay.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
import { paymentEventContracts } from '@order-platform/shared/events/payments/index';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import { signPayload } from '../src/domain/signature';
import {
  NO_BILLING_TOPIC,
  RECEIVER,
  RELAY,
  WRITER,
  createObservedBus,
  createQueuePair,
  createSigningSecret,
  depth,
  lambdaContext,
  loadContainer,
  migratedDatabase,
  observedEvents,
  orderId,
  providerEvent,
  query,
  secretsManager,
  signedRequest,
  sqs,
  uid,
  webhookRequest,
  type Container,
  type HttpHandler,
  type QueueHandler,
} from './helpers';

const SECRET = 'whsec_component_current';

interface World {
  id: string;
  databaseUrl: string;
  queueUrl: string;
  dlqUrl: string;
  busName: string;
  observerUrl: string;
  secretArn: string;
  env: Record<string, string>;
  containers: Container<unknown>[];
}

let w: World;

async function container<H>(path: string, extraEnv: Record<string, string> = {}): Promise<Container<H>> {
  const c = await loadContainer<H>(path, { ...w.env, ...extraEnv });
  w.containers.push(c as Container<unknown>);
  return c;
}

beforeEach(async () => {
  const id = uid();
  const [databaseUrl, queues, bus, secretArn] = await Promise.all([
    migratedDatabase(inject('postgresUrl'), `webhook_flow_${id}`),
    createQueuePair(`payments-${id}`),
    createObservedBus(`bus-${id}`),
    createSigningSecret(SECRET),
  ]);
  w = {
    id,
    databaseUrl,
    ...queues,
    ...bus,
    secretArn,
    containers: [],
    env: {
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: '1',
      PAYMENTS_QUEUE_URL: queues.queueUrl,
      PAYMENTS_DLQ_URL: queues.dlqUrl,
      EVENT_BUS_NAME: bus.busName,
      // These webhooks echo no customer: no billing record is ever published.
      BILLING_TOPIC_ARN: NO_BILLING_TOPIC,
      SIGNING_SECRET_ID: secretArn,
      OUTBOX_RELAY_GRACE_SECONDS: '0',
    },
  };
  delete process.env.SIGNING_SECRET_PARAMETER;
});

afterEach(async () => {
  await Promise.all(w.containers.map((c) => c.close()));
});

const ledgerRows = () =>
  query<{ entry_id: string; kind: string }>(
    w.databaseUrl,
    'SELECT entry_id, kind FROM payments.ledger_entries ORDER BY entry_id',
  );

describe('POST /webhooks/payments → queue → ledger → bus', () => {
  it('records a webhook delivered 5 times once and publishes its event once', async () => {
    // Prepare
    const receiver = await container<HttpHandler>(RECEIVER);
    const writer = await container<QueueHandler>(WRITER);
    const event = providerEvent({ type: 'payment.succeeded' });
    const request = signedRequest(event, SECRET);

    // Act: the provider retries the same delivery (same body, same signature)
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await receiver.handler({ ...request }, lambdaContext()));
    const stats = await drainQueue({ queueUrl: w.queueUrl, handler: writer.handler, concurrency: 1 });

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([202, 202, 202, 202, 202]);
    expect(JSON.parse(responses[0]!.body)).toEqual({ received: true, id: event.id });
    expect(stats.succeeded).toBe(5);
    expect(await ledgerRows()).toEqual([{ entry_id: event.id, kind: 'payment.succeeded' }]);
    const published = await observedEvents(w.observerUrl);
    expect(published).toHaveLength(1);
    expect(published[0]!['detail-type']).toBe('PaymentSucceeded');
    const { event: parsed } = parseEnvelope(published[0]!.detail, paymentEventContracts);
    expect(parsed.data).toMatchObject({
      providerEventId: event.id,
      orderId: event.data.orderId,
      amount: 4200,
      currency: 'EUR',
    });
    expect(parsed.metadata.idempotencyKey).toBe(`payments:${event.id}`);
    const outbox = await query<{ pending: string }>(
      w.databaseUrl,
      'SELECT count(*) FILTER (WHERE published_at IS NULL) AS pending FROM payments.outbox',
    );
    expect(outbox[0]!.pending).toBe('0');
    expect(await depth(w.dlqUrl)).toBe(0);
  });

  it('maps each provider event type to its event and carries the correlation id from the request', async () => {
    const receiver = await container<HttpHandler>(RECEIVER);
    const writer = await container<QueueHandler>(WRITER);
    const failed = providerEvent({ type: 'payment.failed', data: { reason: 'card_declined' } });
    const refunded = providerEvent({ type: 'refund.succeeded' });
    const req = signedRequest(failed, SECRET);
    req.headers['x-correlation-id'] = 'corr-from-provider-call';
    await receiver.handler(req, lambdaContext());
    await receiver.handler(signedRequest(refunded, SECRET), lambdaContext());

    await drainQueue({ queueUrl: w.queueUrl, handler: writer.handler });

    const published = await observedEvents(w.observerUrl);
    const byType = Object.fromEntries(published.map((e) => [e['detail-type'], e.detail]));
    expect(Object.keys(byType).sort()).toEqual(['PaymentFailed', 'RefundIssued']);
    expect(byType.PaymentFailed!.data).toMatchObject({ reason: 'card_declined', providerEventId: failed.id });
    expect(byType.PaymentFailed!.metadata.correlationId).toBe('corr-from-provider-call');
    expect(byType.RefundIssued!.data).toMatchObject({ providerEventId: refunded.id });
  });

  it('takes refund requests posted straight to the queue by another service (frugal consumer), once per idempotency key', async () => {
    const writer = await container<QueueHandler>(WRITER);
    const request = {
      kind: 'refund.requested',
      orderId: orderId(),
      paymentId: 'pay_refund123',
      amount: 1999,
      currency: 'USD',
      idempotencyKey: `saga-refund-${uid()}`,
      reason: 'order cancelled',
    };
    for (let i = 0; i < 2; i++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: w.queueUrl,
          MessageBody: JSON.stringify(request),
          MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'saga-corr-1' } },
        }),
      );
    }

    await drainQueue({ queueUrl: w.queueUrl, handler: writer.handler });

    const rows = await query(
      w.databaseUrl,
      'SELECT entry_id, kind, amount, currency, correlation_id FROM payments.ledger_entries',
    );
    expect(rows).toEqual([
      {
        entry_id: `refund-request:${request.idempotencyKey}`,
        kind: 'refund.requested',
        amount: '1999',
        currency: 'USD',
        correlation_id: 'saga-corr-1',
      },
    ]);
    expect(await observedEvents(w.observerUrl)).toEqual([]);
  });

  it('publishes through the relay what a crash between commit and publish left in the outbox, once', async () => {
    // Prepare: a writer whose publisher dies after the commit (the process crashing there)
    const writer = await container<QueueHandler>(WRITER);
    const mod = writer.module as typeof import('../src/handlers/write-ledger');
    const { buildRecordEntries } = await import('../src/adapters/ledger-store');
    const { buildDeadLetter } = await import('@order-platform/shared/consumers/dead-letter');
    const { getPool } = await import('@order-platform/shared/db/postgres');
    const crashing = mod.makeHandler({
      recordEntries: buildRecordEntries(() => getPool()),
      publishOutbox: async () => {
        throw new Error('process killed between commit and publish');
      },
      deadLetter: buildDeadLetter(sqs, w.dlqUrl),
      mode: 'batch',
      now: () => new Date(),
    });
    const receiver = await container<HttpHandler>(RECEIVER);
    const event = providerEvent();
    await receiver.handler(signedRequest(event, SECRET), lambdaContext());

    // Act 1: the write commits, the publish never happens, the message is still acknowledged
    const stats = await drainQueue({ queueUrl: w.queueUrl, handler: crashing });
    expect(stats.succeeded).toBe(1);
    expect(await ledgerRows()).toHaveLength(1);
    expect(await observedEvents(w.observerUrl)).toEqual([]);

    // Act 2: the scheduled relay runs (twice: the second finds nothing)
    const relay = await container<(e: unknown, c: unknown) => Promise<{ published: number }>>(RELAY);
    const first = await relay.handler({}, lambdaContext(30_000));
    const second = await relay.handler({}, lambdaContext(30_000));

    // Assess
    expect(first.published).toBe(1);
    expect(second.published).toBe(0);
    const published = await observedEvents(w.observerUrl);
    expect(published.map((e) => e.detail.metadata.idempotencyKey)).toEqual([`payments:${event.id}`]);
  });

  it('a crash after PutEvents but before the mark republishes with the same idempotency key (at-least-once, deduplicable)', async () => {
    const writer = await container<QueueHandler>(WRITER);
    const mod = writer.module as typeof import('../src/handlers/write-ledger');
    const { buildRecordEntries } = await import('../src/adapters/ledger-store');
    const { buildDeadLetter } = await import('@order-platform/shared/consumers/dead-letter');
    const { buildPublishEnvelopes } = await import('../src/adapters/event-bus');
    const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
    const { getPool } = await import('@order-platform/shared/db/postgres');
    const put = buildPublishEnvelopes(new EventBridgeClient({}), w.busName);
    const crashing = mod.makeHandler({
      recordEntries: buildRecordEntries(() => getPool()),
      publishOutbox: async (ids) => {
        const rows = await query<{ envelope: never }>(
          w.databaseUrl,
          'SELECT envelope FROM payments.outbox WHERE id = ANY($1::bigint[])',
          [ids],
        );
        await put(rows.map((r) => r.envelope));
        throw new Error('process killed after PutEvents, before marking the rows');
      },
      deadLetter: buildDeadLetter(sqs, w.dlqUrl),
      mode: 'batch',
      now: () => new Date(),
    });
    const event = providerEvent();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: w.queueUrl,
        MessageBody: JSON.stringify({
          kind: 'provider.webhook',
          correlationId: 'c-1',
          receivedAt: new Date().toISOString(),
          event,
        }),
      }),
    );
    await drainQueue({ queueUrl: w.queueUrl, handler: crashing });
    const relay = await container<(e: unknown, c: unknown) => Promise<{ published: number }>>(RELAY);
    await relay.handler({}, lambdaContext(30_000));

    const published = await observedEvents(w.observerUrl);
    expect(published).toHaveLength(2);
    expect(new Set(published.map((e) => e.detail.metadata.idempotencyKey))).toEqual(
      new Set([`payments:${event.id}`]),
    );
    expect(new Set(published.map((e) => e.detail.metadata.eventId)).size).toBe(1);
  });
});

describe('the receiver rejects what it cannot trust, and enqueues nothing', () => {
  // The tolerance cases sit one second past the 300 s boundary: with a running clock a
  // second can pass between signing and verifying and move a case inside it. The clock is
  // frozen at a real instant instead (only Date: timers and the SDK's I/O keep running),
  // so the test's "now" and the receiver's are the same second.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    [
      'missing signature',
      () => webhookRequest(JSON.stringify(providerEvent()), undefined),
      401,
      'missing_signature',
    ],
    [
      'garbled signature',
      () => webhookRequest(JSON.stringify(providerEvent()), 't=abc,v1=zz'),
      401,
      'malformed_signature',
    ],
    [
      'no v1 value',
      () => webhookRequest(JSON.stringify(providerEvent()), `t=${now()}`),
      401,
      'malformed_signature',
    ],
    ['wrong secret', () => signedRequest(providerEvent(), 'whsec_someone_else'), 401, 'signature_mismatch'],
    [
      'expired timestamp (301 s old)',
      () => signedRequest(providerEvent(), SECRET, now() - 301),
      401,
      'timestamp_out_of_tolerance',
    ],
    [
      'timestamp from the future (301 s)',
      () => signedRequest(providerEvent(), SECRET, now() + 301),
      401,
      'timestamp_out_of_tolerance',
    ],
    [
      'body changed after signing',
      () => {
        const req = signedRequest(providerEvent({ data: { amount: 100 } }), SECRET);
        req.body = req.body!.replace('"amount":100', '"amount":100000');
        return req;
      },
      401,
      'signature_mismatch',
    ],
  ])('%s → 401', async (_name, build, status, reason) => {
    const receiver = await container<HttpHandler>(RECEIVER);
    const res = await receiver.handler(build(), lambdaContext());
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error.details).toEqual([{ path: 'Payment-Signature', message: reason }]);
    expect(await depth(w.queueUrl)).toBe(0);
  });

  it.each([
    ['not JSON', '{"id": "evt_1",', 400],
    ['unknown event type', JSON.stringify({ ...providerEvent(), type: 'payment.refunded_partially' }), 400],
    ['amount not in minor units', JSON.stringify(providerEvent({ data: { amount: 12.5 } })), 400],
    ['order id not an ord_ ULID', JSON.stringify(providerEvent({ data: { orderId: 'order-1' } })), 400],
    ['missing data', JSON.stringify({ id: 'evt_x1', type: 'payment.succeeded', created: now() }), 400],
  ])('a correctly signed but malformed body (%s) → 400', async (_name, body, status) => {
    const receiver = await container<HttpHandler>(RECEIVER);
    const res = await receiver.handler(webhookRequest(body, signPayload(SECRET, body)), lambdaContext());
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error.code).toBe('VALIDATION_FAILED');
    expect(await depth(w.queueUrl)).toBe(0);
  });

  it('a body over 64 KiB → 413 before any HMAC work', async () => {
    const receiver = await container<HttpHandler>(RECEIVER);
    const body = JSON.stringify({ ...providerEvent(), padding: 'x'.repeat(70 * 1024) });
    const res = await receiver.handler(webhookRequest(body, signPayload(SECRET, body)), lambdaContext());
    expect(res.statusCode).toBe(413);
    expect(await depth(w.queueUrl)).toBe(0);
  });
});

describe('signing secrets live in Secrets Manager or SSM, cached, and rotate without downtime (P31)', () => {
  it('picks up a rotated secret on the first mismatch (one forced re-read) and accepts both during the overlap', async () => {
    const receiver = await container<HttpHandler>(RECEIVER);
    expect((await receiver.handler(signedRequest(providerEvent(), SECRET), lambdaContext())).statusCode).toBe(
      202,
    ); // cached now

    // Rotation: the new secret first, the old one kept until the provider stops using it
    await secretsManager.send(
      new PutSecretValueCommand({ SecretId: w.secretArn, SecretString: `whsec_rotated_new\n${SECRET}` }),
    );

    const withNew = await receiver.handler(
      signedRequest(providerEvent(), 'whsec_rotated_new'),
      lambdaContext(),
    );
    const withOld = await receiver.handler(signedRequest(providerEvent(), SECRET), lambdaContext());
    const withBoth = await receiver.handler(
      signedRequest(providerEvent(), ['whsec_rotated_new', SECRET]),
      lambdaContext(),
    );
    expect([withNew.statusCode, withOld.statusCode, withBoth.statusCode]).toEqual([202, 202, 202]);
    expect(await depth(w.queueUrl)).toBe(4);
  });

  it('reads the secret from an SSM SecureString when configured so', async () => {
    const name = `/op/test/webhook/signing-${w.id}`;
    await new SSMClient({}).send(
      new PutParameterCommand({ Name: name, Type: 'SecureString', Value: 'whsec_from_ssm' }),
    );
    delete process.env.SIGNING_SECRET_ID;
    const receiver = await loadContainer<HttpHandler>(RECEIVER, {
      ...w.env,
      SIGNING_SECRET_ID: '',
      SIGNING_SECRET_PARAMETER: name,
    });
    w.containers.push(receiver as Container<unknown>);

    const good = await receiver.handler(signedRequest(providerEvent(), 'whsec_from_ssm'), lambdaContext());
    const bad = await receiver.handler(signedRequest(providerEvent(), SECRET), lambdaContext());

    expect([good.statusCode, bad.statusCode]).toEqual([202, 401]);
    expect(await depth(w.queueUrl)).toBe(1);
  });
});
