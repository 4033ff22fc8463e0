/**
 * P10 + P27: the internal handoff from orders to receipts, end to end.
 *
 * orders' real handoff handler (OrderConfirmed v1 from EventBridge) -> the real SDK
 * `Invoke` with InvocationType Event -> a local Lambda Invoke endpoint
 * (lambda-invoke-server.ts) that answers 202 and runs receipts' real
 * sendOrderConfirmation with Lambda's async semantics from its packaged EventInvokeConfig
 * (lambda-async.ts): retries, then the invocation record to the on-success destination
 * (an EventBridge bus in moto, observed through a rule -> SQS) or the on-failure
 * destination (receipts' SQS queue in moto). Emails go through moto's SES v2.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, parseEnvelope } from '@order-platform/shared/events/envelope';
import { sendOrderConfirmationV1 } from '@order-platform/shared/events/billing/index';
import { orderConfirmedV1 } from '@order-platform/shared/events/orders';
import {
  samplePaymentCaptured,
  sampleOrderId,
  sampleSendOrderConfirmation,
} from '@order-platform/shared/events/billing/samples';
import { busWithQueueTarget, createTableFromTemplate, lambdaContext } from '../../../test-support/src/aws';
import {
  asyncInvocationTarget,
  eventInvokeConfigFromTemplate,
  type AsyncInvokeOutcome,
} from '../../../test-support/src/lambda-async';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '../../../test-support/src/lambda-invoke-server';
import {
  provisionMessaging,
  receiveAll,
  runEventSourceOf,
  type ProvisionedMessaging,
} from '../../../test-support/src/sns-sqs';
import { buildPublishBillingRecord } from '@order-platform/shared/events/billing/publish';
import { buildHandoffOrderConfirmation } from '../../orders/src/adapters/receipts-handoff';
import { uniqueName } from '../../../test-support/src/aws';
import { sentEmails, verifiedSender } from './ses-outbox';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type OrdersHandoff = (
  event: EventBridgeEvent<string, unknown>,
  context: Context,
) => Promise<{ orderId: string; handedOff: true }>;

const FUNCTION_NAME = 'op-receipts-dev-sendOrderConfirmation';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`;

let messaging: ProvisionedMessaging;
let server: LambdaInvokeServer;
let outcomes: AsyncInvokeOutcome[];
let successes: string; // queue behind the on-success bus
let sendReceipts: SqsHandler;
let handoff: OrdersHandoff;
let publish: ReturnType<typeof buildPublishBillingRecord>;

beforeAll(async () => {
  const notifier = await provisionMessaging('services/billing-notifier');
  const topicArn = notifier.topics.BillingTopic!.arn;
  const bus = await busWithQueueTarget({ source: ['lambda'] });
  successes = bus.queueUrl;
  messaging = await provisionMessaging('services/receipts', {
    imports: {
      'op-billing-notifier-dev-BillingTopicArn': topicArn,
      'op-platform-dev-EventBusArn': `arn:aws:events:us-east-1:123456789012:event-bus/${bus.busName}`,
    },
  });
  publish = buildPublishBillingRecord(new SNSClient({}), topicArn);
  Object.assign(process.env, {
    RECEIPTS_TABLE_NAME: await createTableFromTemplate('services/receipts', 'ReceiptsTable'),
    SENDER_ADDRESS: await verifiedSender(),
    RECEIPTS_DLQ_URL: messaging.queues.BillingRecordsDeadLetterQueue!.url,
  });
  sendReceipts = (await import('../src/handlers/send-receipts')).handler as unknown as SqsHandler;
  const confirmation = (await import('../src/handlers/send-order-confirmation')).handler as unknown as (
    e: unknown,
    c: Context,
  ) => Promise<unknown>;

  // Receipts' function behind a Lambda Invoke endpoint, with its template's async config.
  const config = eventInvokeConfigFromTemplate(
    messaging.template,
    'sendOrderConfirmation',
    messaging.resolve,
    FUNCTION_ARN,
  );
  expect(config).toMatchObject({
    maximumRetryAttempts: 2,
    onFailure: messaging.queues.OrderConfirmationFailuresQueue!.arn,
  });
  const target = asyncInvocationTarget(confirmation, config);
  outcomes = target.outcomes;
  server = await startLambdaInvokeServer();
  server.register(FUNCTION_NAME, target.target, { timeoutMs: 120_000 });

  // The orders side, configured as its serverless.yml block does, its SDK pointed at the endpoint.
  Object.assign(process.env, { RECEIPTS_FUNCTION_ARN: FUNCTION_ARN, AWS_ENDPOINT_URL_LAMBDA: server.url });
  handoff = (await import('../../orders/src/handlers/handoff-confirmation'))
    .handler as unknown as OrdersHandoff;
});

afterAll(async () => {
  await server?.stop();
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
});

function orderConfirmed(customerId: string, correlationId: string): EventBridgeEvent<string, unknown> {
  const orderId = sampleOrderId();
  const detail = envelope(
    orderConfirmedV1,
    { orderId, customerId, total: 2_500, currency: 'EUR', confirmedAt: '2026-11-20T10:20:00.000Z' },
    { correlationId, idempotencyKey: `${orderId}:v4:CONFIRMED` },
  );
  return {
    version: '0',
    id: `evt-${orderId}`,
    'detail-type': 'OrderConfirmed',
    source: 'order-platform.orders',
    account: '123456789012',
    time: '2026-11-20T10:20:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  } as EventBridgeEvent<string, unknown>;
}

/** The customer's first payment teaches receipts the address (through the billing topic). */
async function customerWhoPaid() {
  const payment = samplePaymentCaptured();
  await publish(payment);
  await runEventSourceOf(messaging, 'sendReceipts', sendReceipts);
  return payment.data;
}

const confirmations = async (to: string) =>
  (await sentEmails(to)).filter((m) => m.subject.includes('is confirmed'));

describe('internal handoff orders -> receipts (async invoke with destinations)', () => {
  it('a success sends one confirmation and puts the invocation record on the on-success bus', async () => {
    const customer = await customerWhoPaid();
    const event = orderConfirmed(customer.customerId, 'corr-handoff-ok');

    const out = await handoff(event, lambdaContext() as unknown as Context);
    await server.drain();

    expect(out.handedOff).toBe(true);
    const invocation = server.invocations.at(-1)!;
    expect(invocation).toMatchObject({ functionName: FUNCTION_NAME, invocationType: 'Event' });
    expect(outcomes.at(-1)).toMatchObject({ condition: 'Success', attempts: 1 });
    const mails = await confirmations(customer.customerEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body).toContain('25.00 EUR');

    const [record] = (await receiveAll(successes, { delete: true })).map((m) => JSON.parse(m.Body!));
    expect(record).toMatchObject({
      source: 'lambda',
      'detail-type': 'Lambda Function Invocation Result - Success',
    });
    expect(record.detail).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'Success',
        approximateInvokeCount: 1,
        functionArn: `${FUNCTION_ARN}:$LATEST`,
      },
      responseContext: { statusCode: 200 },
      responsePayload: { orderId: out.orderId, outcome: 'sent' },
    });
    // The correlation id crossed the hop inside the payload (X2).
    const command = parseEnvelope(record.detail.requestPayload, [sendOrderConfirmationV1]).event;
    expect(command.metadata).toMatchObject({
      correlationId: 'corr-handoff-ok',
      idempotencyKey: `order-confirmation:${out.orderId}`,
    });
  });

  it('a repeated handoff (redelivered event, repeated invoke) sends no second confirmation', async () => {
    const customer = await customerWhoPaid();
    const event = orderConfirmed(customer.customerId, 'corr-handoff-twice');

    await handoff(event, lambdaContext() as unknown as Context);
    await server.drain();
    // The same event again, later (the harness skips Lambda's retry back-off, so a
    // concurrent repeat would meet the first one's lease and use up its retries at once).
    await handoff(event, lambdaContext() as unknown as Context);
    await server.drain();

    expect(outcomes.slice(-2).map((o) => o.condition)).toEqual(['Success', 'Success']);
    expect(outcomes.slice(-2).map((o) => (o.record.responsePayload as { outcome: string }).outcome)).toEqual([
      'sent',
      'duplicate',
    ]);
    expect(await confirmations(customer.customerEmail)).toHaveLength(1);
    await receiveAll(successes, { delete: true });
  });

  it('a failure is retried, then lands on the on-failure destination with the original payload', async () => {
    const event = orderConfirmed('cus_never_paid', 'corr-handoff-fail');

    await handoff(event, lambdaContext() as unknown as Context);
    await server.drain();

    const sent = server.invocations.at(-1)!.payload;
    expect(outcomes.at(-1)).toMatchObject({ condition: 'RetriesExhausted', attempts: 3 });
    const failures = (
      await receiveAll(messaging.queues.OrderConfirmationFailuresQueue!.url, { delete: true })
    ).map((m) => JSON.parse(m.Body!));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionArn: `${FUNCTION_ARN}:$LATEST`,
      },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'ContactUnknownError' },
    });
    expect(failures[0].requestPayload).toEqual(sent);
    expect(
      parseEnvelope(failures[0].requestPayload, [sendOrderConfirmationV1]).event.metadata.correlationId,
    ).toBe('corr-handoff-fail');
    expect(await receiveAll(successes)).toEqual([]);
  });

  it("a handoff carrying the order's email is sent there at once, and teaches receipts the contact", async () => {
    // Prepare: a customer receipts has never seen a payment from
    const customerId = uniqueName('cus_first').replace(/-/g, '_');
    const email = `${uniqueName('first-order')}@example.com`;
    const handoffCommand = buildHandoffOrderConfirmation(
      new LambdaClient({ endpoint: server.url }),
      FUNCTION_NAME,
    );
    const command = sampleSendOrderConfirmation(
      { customerId, customerEmail: email, total: 1_250 },
      'corr-handoff-email',
    );

    // Act: orders' caller-side adapter, async Invoke; then a later order without an email
    await handoffCommand(command);
    await server.drain();
    const later = sampleSendOrderConfirmation({ customerId }, 'corr-handoff-later');
    await handoffCommand(later);
    await server.drain();

    // Assess: both succeeded (no ContactUnknownError, no failure record), both went to the order's address
    expect(outcomes.slice(-2).map((o) => o.condition)).toEqual(['Success', 'Success']);
    const mails = await confirmations(email);
    expect(mails.map((m) => m.subject).sort()).toEqual(
      [
        `Your order ${command.data.orderId} is confirmed`,
        `Your order ${later.data.orderId} is confirmed`,
      ].sort(),
    );
    expect(mails.find((m) => m.subject.includes(command.data.orderId))!.body).toContain('12.50 EUR');
    expect(await receiveAll(messaging.queues.OrderConfirmationFailuresQueue!.url)).toEqual([]);
    await receiveAll(successes, { delete: true });
  });
});
