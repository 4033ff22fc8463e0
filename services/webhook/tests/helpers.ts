/**
 * Shared set-up for the webhook component tests: real moto queues, bus and secrets, a
 * real Postgres database with the real migrations, and handler "containers" (a fresh
 * module graph each, so each has its own getPool() pool, as separate Lambda containers do).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import pg from 'pg';
import { ulid } from 'ulid';
import { vi } from 'vitest';
import { createDatabase } from '@order-platform/test-support/engines';
import { runMigrations } from '../src/adapters/migrations';
import { signPayload } from '../src/domain/signature';
import type { ProviderWebhook } from '../src/domain/messages';

export const sqs = new SQSClient({});
export const events = new EventBridgeClient({});
export const secretsManager = new SecretsManagerClient({});

export const uid = () => randomUUID().slice(0, 8);

/** For writers whose webhooks echo no customer: they never publish a billing record. */
export const NO_BILLING_TOPIC = 'arn:aws:sns:us-east-1:123456789012:op-billing-notifier-test-unused';

export async function createQueuePair(
  name: string,
  opts: { visibilityTimeout?: number; maxReceiveCount?: number } = {},
) {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = await queueArn(dlq.QueueUrl!);
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: opts.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  return {
    queueUrl: main.QueueUrl!,
    dlqUrl: dlq.QueueUrl!,
    dlqArn,
    queueArn: await queueArn(main.QueueUrl!),
  };
}

export async function queueArn(url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/** A test bus whose rule sends every payment event to a queue the test reads. */
export async function createObservedBus(name: string) {
  await events.send(new CreateEventBusCommand({ Name: name }));
  const target = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-observer` }));
  await events.send(
    new PutRuleCommand({
      Name: `${name}-all-payments`,
      EventBusName: name,
      EventPattern: JSON.stringify({ source: ['order-platform.payments'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: `${name}-all-payments`,
      EventBusName: name,
      Targets: [{ Id: 'observer', Arn: await queueArn(target.QueueUrl!) }],
    }),
  );
  return { busName: name, observerUrl: target.QueueUrl! };
}

/** Reads (and deletes) everything currently in a queue. */
export async function drainMessages(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    const batch = out.Messages ?? [];
    if (batch.length === 0) return all;
    all.push(...batch);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

export async function depth(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Observed bus events, parsed: detail is the platform envelope. */
export async function observedEvents(observerUrl: string) {
  const messages = await drainMessages(observerUrl);
  return messages.map(
    (m) =>
      JSON.parse(m.Body!) as {
        source: string;
        'detail-type': string;
        detail: {
          metadata: { idempotencyKey: string; eventId: string; correlationId: string };
          data: Record<string, unknown>;
        };
      },
  );
}

export async function migratedDatabase(serverUrl: string, name: string): Promise<string> {
  const url = await createDatabase(serverUrl, name);
  await runMigrations(url);
  return url;
}

export async function createSigningSecret(value: string): Promise<string> {
  const out = await secretsManager.send(
    new CreateSecretCommand({ Name: `webhook-signing-${uid()}`, SecretString: value }),
  );
  return out.ARN!;
}

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

// ---- handler "containers" -------------------------------------------------------------

type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface Container<H> {
  handler: H;
  /** The container's own module instances (for makeHandler with custom deps). */
  module: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * A fresh module graph with `env` applied: what a new Lambda container is. Its
 * getPool() singleton is its own, so N containers hold at most N pool connections.
 */
export async function loadContainer<H>(path: string, env: Record<string, string>): Promise<Container<H>> {
  Object.assign(process.env, env);
  vi.resetModules();
  const module = (await import(/* @vite-ignore */ path)) as Record<string, unknown>;
  const db = (await import('@order-platform/shared/db/postgres')) as { closePool: () => Promise<void> };
  const aws = (await import('@order-platform/shared/aws')) as { resetAwsClients: () => void };
  return {
    handler: module.handler as H,
    module,
    close: async () => {
      await db.closePool();
      aws.resetAwsClients();
    },
  };
}

export const RECEIVER = '../src/handlers/receive-payment-webhook';
export const WRITER = '../src/handlers/write-ledger';
export const RELAY = '../src/handlers/relay-outbox';
export const SHIPMENTS = '../src/handlers/record-shipments';
export type { HttpHandler, QueueHandler };

export function lambdaContext(timeoutMs = 15_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// ---- provider webhooks ---------------------------------------------------------------

export const orderId = () => `ord_${ulid()}`;

export function providerEvent(
  over: Partial<Omit<ProviderWebhook, 'data'>> & { data?: Partial<ProviderWebhook['data']> } = {},
): ProviderWebhook {
  const { data, ...rest } = over;
  return {
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'payment.succeeded',
    created: Math.floor(Date.now() / 1000),
    ...rest,
    data: { paymentId: `pay_${uid()}${uid()}`, orderId: orderId(), amount: 4200, currency: 'EUR', ...data },
  };
}

export function webhookRequest(
  body: string,
  signature: string | undefined,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  return {
    body,
    isBase64Encoded: false,
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined ? { 'Payment-Signature': signature } : {}),
      ...headers,
    },
    multiValueHeaders: {},
    httpMethod: 'POST',
    path: '/webhooks/payments',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/webhooks/payments',
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

export function signedRequest(
  event: unknown,
  secret: string | string[],
  timestamp?: number,
): APIGatewayProxyEvent {
  const body = JSON.stringify(event);
  return webhookRequest(body, signPayload(secret, body, timestamp));
}
