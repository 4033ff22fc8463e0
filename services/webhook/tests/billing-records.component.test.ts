/**
 * The payments ledger writer as the producer of billing records, against real engines:
 * the real receiver and writer (and relay) on Postgres, moto SQS, EventBridge and SNS.
 * The billing topic and its subscriptions come from the packaged templates of the
 * billing notifier and of two subscribers (invoicing: PaymentCaptured v1; receipts:
 * PaymentCaptured | RefundIssued v1), so the filter policies exercised are the deployed
 * ones; a catch-all capture queue shows everything the topic carried.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
import { parseEnvelope } from '@order-platform/shared/events/envelope';
import {
  paymentCapturedV1,
  refundIssuedV1,
  billingRecordContracts,
} from '@order-platform/shared/events/billing/index';
import {
  captureTopic,
  provisionMessaging,
  receiveAll,
  type ProvisionedMessaging,
  type ProvisionedQueue,
} from '../../../test-support/src/sns-sqs';
import {
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
  providerEvent,
  query,
  signedRequest,
  uid,
  type Container,
  type HttpHandler,
  type QueueHandler,
} from './helpers';

const SECRET = 'whsec_billing_records';

let databaseUrl: string;
let queueUrl: string;
let dlqUrl: string;
let observerUrl: string;
let env: Record<string, string>;
let invoicing: ProvisionedMessaging;
let receipts: ProvisionedMessaging;
let everything: ProvisionedQueue;
const containers: Container<unknown>[] = [];

async function container<H>(path: string, extra: Record<string, string> = {}): Promise<Container<H>> {
  const c = await loadContainer<H>(path, { ...env, ...extra });
  containers.push(c as Container<unknown>);
  return c;
}

beforeAll(async () => {
  const id = uid();
  const notifier = await provisionMessaging('services/billing-notifier');
  const topicArn = notifier.topics.BillingTopic!.arn;
  const imports = {
    'op-billing-notifier-dev-BillingTopicArn': topicArn,
    'op-platform-dev-EventBusArn': 'arn:aws:events:us-east-1:123456789012:event-bus/unused',
  };
  const [db, queues, bus, secretArn, inv, rec, all] = await Promise.all([
    migratedDatabase(inject('postgresUrl'), `webhook_billing_${id}`),
    createQueuePair(`payments-billing-${id}`),
    createObservedBus(`bus-billing-${id}`),
    createSigningSecret(SECRET),
    provisionMessaging('services/invoicing', { imports }),
    provisionMessaging('services/receipts', { imports }),
    captureTopic(topicArn),
  ]);
  [databaseUrl, invoicing, receipts, everything] = [db, inv, rec, all];
  ({ queueUrl, dlqUrl } = queues);
  observerUrl = bus.observerUrl;
  env = {
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: '1',
    PAYMENTS_QUEUE_URL: queueUrl,
    PAYMENTS_DLQ_URL: dlqUrl,
    EVENT_BUS_NAME: bus.busName,
    BILLING_TOPIC_ARN: topicArn,
    SIGNING_SECRET_ID: secretArn,
    SIGNING_SECRET_PARAMETER: '',
    OUTBOX_RELAY_GRACE_SECONDS: '0',
  };
});

afterAll(async () => {
  await Promise.all(containers.map((c) => c.close()));
});

const invoicingQueue = () => invoicing.queues.PaymentsQueue!.url;
const receiptsQueue = () => receipts.queues.BillingRecordsQueue!.url;

/** What a queue holds for one payment (tests share the topic; each uses its own payment). */
async function forPayment(url: string, paymentId: string): Promise<Message[]> {
  const all = await receiveAll(url, { delete: true });
  return all.filter((m) => JSON.parse(m.Body!).data?.paymentId === paymentId);
}

/** Receiver → queue → writer, as many deliveries as given (the provider retrying). */
async function deliver(event: ReturnType<typeof providerEvent>, times = 1) {
  const receiver = await container<HttpHandler>(RECEIVER);
  const writer = await container<QueueHandler>(WRITER);
  const request = signedRequest(event, SECRET);
  for (let i = 0; i < times; i++) {
    const response = await receiver.handler({ ...request }, lambdaContext());
    expect(response.statusCode).toBe(202);
  }
  return drainQueue({ queueUrl, handler: writer.handler, concurrency: 1 });
}

const customer = () => ({ customerId: `cus_${uid()}`, customerEmail: `buyer-${uid()}@example.com` });

describe('billing records from the payments ledger writer (outbox → billing topic)', () => {
  it('a payment.succeeded echoing the customer yields exactly one PaymentCaptured, also when delivered again', async () => {
    // Prepare
    const who = customer();
    const correlationId = `corr-${randomUUID()}`;
    const event = providerEvent({
      type: 'payment.succeeded',
      data: { ...who, metadata: { correlationId } },
    });

    // Act: delivered three times by the provider, then once more later
    const first = await deliver(event, 3);
    const later = await deliver(event);

    // Assess
    expect(first.succeeded + later.succeeded).toBe(4);
    const onTopic = await forPayment(everything.url, event.data.paymentId);
    expect(onTopic).toHaveLength(1);
    const [message] = onTopic as [Message];
    expect(message.MessageAttributes).toMatchObject({
      recordType: { DataType: 'String', StringValue: 'PaymentCaptured' },
      version: { DataType: 'Number', StringValue: '1' },
      correlationId: { DataType: 'String', StringValue: correlationId },
    });
    const { contract, event: record } = parseEnvelope(JSON.parse(message.Body!), billingRecordContracts);
    expect(contract).toBe(paymentCapturedV1);
    expect(record.metadata).toMatchObject({
      source: 'order-platform.billing',
      idempotencyKey: `payment:${event.data.paymentId}:captured`,
      correlationId,
    });
    expect(record.data).toMatchObject({
      paymentId: event.data.paymentId,
      orderId: event.data.orderId,
      ...who,
      amount: 4200,
      currency: 'EUR',
    });
    // The real subscriptions: invoicing and receipts each got it once.
    expect(await forPayment(invoicingQueue(), event.data.paymentId)).toHaveLength(1);
    expect(await forPayment(receiptsQueue(), event.data.paymentId)).toHaveLength(1);
    // The payments event still went to the bus, once, on the same thread.
    const published = (await observedEvents(observerUrl)).filter(
      (e) => e.detail.data.paymentId === event.data.paymentId,
    );
    expect(published.map((e) => e['detail-type'])).toEqual(['PaymentSucceeded']);
    expect(published[0]!.detail.metadata.correlationId).toBe(correlationId);
    const pending = await query<{ n: string }>(
      databaseUrl,
      'SELECT count(*) AS n FROM payments.outbox WHERE published_at IS NULL',
    );
    expect(pending[0]!.n).toBe('0');
  });

  it('a refund.succeeded echoing the customer yields one RefundIssued, which only refund subscribers get', async () => {
    const who = customer();
    const refundId = `re_${uid()}${uid()}`;
    const event = providerEvent({
      type: 'refund.succeeded',
      data: { ...who, refundId, amount: 1500, reason: 'item returned' },
    });

    await deliver(event, 2);

    const onTopic = await forPayment(everything.url, event.data.paymentId);
    expect(onTopic).toHaveLength(1);
    const { contract, event: record } = parseEnvelope(JSON.parse(onTopic[0]!.Body!), billingRecordContracts);
    expect(contract).toBe(refundIssuedV1);
    expect(record.metadata.idempotencyKey).toBe(`refund:${refundId}`);
    expect(record.data).toMatchObject({ refundId, amount: 1500, reason: 'item returned', ...who });
    expect(await forPayment(receiptsQueue(), event.data.paymentId)).toHaveLength(1);
    expect(await forPayment(invoicingQueue(), event.data.paymentId)).toEqual([]);
    const published = (await observedEvents(observerUrl)).filter(
      (e) => e.detail.data.paymentId === event.data.paymentId,
    );
    expect(published.map((e) => e['detail-type'])).toEqual(['RefundIssued']);
  });

  it('without the echoed customer nothing reaches the topic, and the payment event still goes to the bus', async () => {
    const event = providerEvent({ type: 'payment.succeeded' });
    const odd = providerEvent({
      type: 'payment.succeeded',
      data: { customerId: 'cus_only_an_id', customerEmail: 'not-an-address' },
    });

    const stats = await deliver(event);
    const oddStats = await deliver(odd);

    expect(stats.succeeded + oddStats.succeeded).toBe(2);
    expect(await depth(dlqUrl)).toBe(0);
    expect(await forPayment(everything.url, event.data.paymentId)).toEqual([]);
    expect(await forPayment(everything.url, odd.data.paymentId)).toEqual([]);
    const published = (await observedEvents(observerUrl)).filter((e) =>
      [event.data.paymentId, odd.data.paymentId].includes(e.detail.data.paymentId as string),
    );
    expect(published.map((e) => e['detail-type'])).toEqual(['PaymentSucceeded', 'PaymentSucceeded']);
    const rows = await query<{ n: string }>(
      databaseUrl,
      'SELECT count(*) AS n FROM payments.ledger_entries WHERE payment_id = ANY($1)',
      [[event.data.paymentId, odd.data.paymentId]],
    );
    expect(rows[0]!.n).toBe('2');
  });

  it('a billing record the writer could not publish stays pending and the relay publishes it once', async () => {
    // Prepare: a writer whose topic does not exist (publish refused), the bus is fine
    const who = customer();
    const event = providerEvent({ type: 'payment.succeeded', data: who });
    const receiver = await container<HttpHandler>(RECEIVER);
    const writer = await container<QueueHandler>(WRITER, {
      BILLING_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:no-such-billing-topic',
    });
    expect((await receiver.handler(signedRequest(event, SECRET), lambdaContext())).statusCode).toBe(202);

    // Act 1: committed; the payments event goes out, the billing record is left pending
    await drainQueue({ queueUrl, handler: writer.handler, concurrency: 1 });
    const pending = () =>
      query<{ idempotency_key: string; publish_attempts: number }>(
        databaseUrl,
        `SELECT idempotency_key, publish_attempts FROM payments.outbox
         WHERE published_at IS NULL AND envelope->'data'->>'paymentId' = $1`,
        [event.data.paymentId],
      );
    expect(await pending()).toEqual([
      { idempotency_key: `payment:${event.data.paymentId}:captured`, publish_attempts: 1 },
    ]);
    expect(await forPayment(everything.url, event.data.paymentId)).toEqual([]);

    // Act 2: the relay (the real topic) takes the leftover, twice
    const relay = await container<(e: unknown, c: unknown) => Promise<{ published: number }>>(RELAY);
    const once = await relay.handler({}, lambdaContext(30_000));
    const again = await relay.handler({}, lambdaContext(30_000));

    // Assess
    expect(once.published).toBeGreaterThanOrEqual(1);
    expect(again.published).toBe(0);
    expect(await pending()).toEqual([]);
    const onTopic = await forPayment(everything.url, event.data.paymentId);
    expect(onTopic.map((m) => m.MessageAttributes?.recordType?.StringValue)).toEqual(['PaymentCaptured']);
    const published = (await observedEvents(observerUrl)).filter(
      (e) => e.detail.data.paymentId === event.data.paymentId,
    );
    expect(published.map((e) => e['detail-type'])).toEqual(['PaymentSucceeded']);
  });
});
