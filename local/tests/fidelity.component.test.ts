/**
 * Fidelity of the local runner's glue (local/src): each behaviour AWS gives the platform
 * is proved by a real run against moto_server with real functions in worker threads
 * (FunctionHost running a zipped CommonJS package), no mocks:
 * - SQS mappings: redrive to the DLQ after maxReceiveCount, partial batch responses;
 * - EventBridge rules and SNS filter policies decide what reaches a function (moto
 *   matches, the shadow queue delivers);
 * - a function's concurrency bound (reserved concurrency, a mapping's MaximumConcurrency);
 * - DynamoDB stream mappings: bisect on error, retries, on-failure destination, filters;
 * - function timeouts (Sandbox.Timedout, then a cold start);
 * - SES: the identities a role may send from are verified (moto refuses any other sender).
 * The functions report what they saw by appending JSON lines to a file named in their
 * environment, so the assertions read the functions' own view, not the runner's.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { queueDepth } from '@order-platform/test-support/sqs-driver';
import type { FunctionHost } from '../src/lambda/host';
import { clientsFor, emptyRunnables, type Clients } from '../src/provision';
import {
  startShadow,
  startSqsMapping,
  startStreamMapping,
  type Running,
  type SourceContext,
} from '../src/sources';
import {
  eventSourceMapping,
  hostFor,
  localFunction,
  maxOverlap,
  provision,
  readJsonLines,
  scratchDir,
  sleep,
  unique,
  waitFor,
} from './fixtures';

const motoUrl = inject('motoUrl');
const clients: Clients = clientsFor(motoUrl);

// ------------------------------------------------------------------ the functions

/** Records every SQS record it is given, then fails the whole batch. */
const ALWAYS_THROWS_SQS = `
const fs = require('node:fs');
exports.handler = async (event) => {
  for (const r of event.Records)
    fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ messageId: r.messageId, body: r.body, receiveCount: r.attributes.ApproximateReceiveCount }) + '\\n');
  throw new Error('this function always fails');
};`;

/** Records each batch; reports the records whose body is "bad" as failed items. */
const PARTIAL_BATCH_SQS = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ bodies: event.Records.map((r) => r.body) }) + '\\n');
  return { batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) };
};`;

/** Records the event it was given. */
const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
  return { ok: true };
};`;

/** Sleeps SLEEP_MS, then records and returns its own start and end times. */
const SLOW = `
const fs = require('node:fs');
exports.handler = async (event) => {
  const start = Date.now();
  await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_MS)));
  const end = Date.now();
  const label = event.Records ? event.Records.map((r) => r.body).join(',') : event.label;
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ start, end, label }) + '\\n');
  return { start, end, label };
};`;

/** Records each stream batch (keys and sequence numbers); throws on a record with poison = true. */
const STREAM_THROWS_ON_POISON = `
const fs = require('node:fs');
exports.handler = async (event) => {
  const records = event.Records.map((r) => ({ pk: r.dynamodb.Keys.pk.S, seq: r.dynamodb.SequenceNumber, eventName: r.eventName }));
  const poisoned = event.Records.some((r) => r.dynamodb.NewImage && r.dynamodb.NewImage.poison && r.dynamodb.NewImage.poison.BOOL);
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ records, ok: !poisoned }) + '\\n');
  if (poisoned) throw new Error('poison record');
};`;

/** Records each stream batch; reports the poison record as the failed item instead of throwing. */
const STREAM_REPORTS_POISON = `
const fs = require('node:fs');
exports.handler = async (event) => {
  const records = event.Records.map((r) => ({ pk: r.dynamodb.Keys.pk.S, seq: r.dynamodb.SequenceNumber, eventName: r.eventName }));
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ records }) + '\\n');
  const failed = event.Records.filter((r) => r.dynamodb.NewImage && r.dynamodb.NewImage.poison && r.dynamodb.NewImage.poison.BOOL);
  return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.dynamodb.SequenceNumber })) };
};`;

/** Knows which environment it runs in; sleeps event.sleepMs. */
const SLEEPER = `
const instance = require('node:crypto').randomUUID();
exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, event.sleepMs));
  return { instance };
};`;

// ------------------------------------------------------------------ per-test world

let scratch: ReturnType<typeof scratchDir>;
let host: FunctionHost;
let ctx: SourceContext;
let log: ReturnType<typeof hostFor>['log'];
let running: Running[];

beforeEach(() => {
  scratch = scratchDir();
  ({ host, ctx, log } = hostFor(scratch.dir, clients, motoUrl));
  running = [];
});

afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await host.close();
  scratch.remove();
});

/** Registers a function whose package is `source`; OUT_FILE is where it writes what it saw. */
function deploy(
  source: string,
  opts: { env?: Record<string, string>; timeoutMs?: number; reservedConcurrency?: number } = {},
) {
  const outFile = join(scratch.dir, `${unique('out')}.jsonl`);
  const fn = localFunction(scratch.dir, {
    source,
    environment: { OUT_FILE: outFile, ...opts.env },
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.reservedConcurrency !== undefined ? { reservedConcurrency: opts.reservedConcurrency } : {}),
  });
  host.register(fn);
  return { fn, outFile };
}

function start(r: Running): Running {
  running.push(r);
  return r;
}

/** A work queue with VisibilityTimeout 1 and a RedrivePolicy to its own DLQ, both from CloudFormation-shaped properties. */
async function queueWithDlq(maxReceiveCount: number) {
  const dlq = await provision(clients, 'AWS::SQS::Queue', { QueueName: unique('op-fidelity-dlq') });
  const queue = await provision(clients, 'AWS::SQS::Queue', {
    QueueName: unique('op-fidelity-work'),
    VisibilityTimeout: 1,
    RedrivePolicy: { deadLetterTargetArn: dlq.attributes.Arn, maxReceiveCount },
  });
  return { queue, dlq };
}

/** Receives (and deletes) what a queue holds now: a poll that is done when one receive comes back empty. */
async function drain(queueUrl: string): Promise<Message[]> {
  const got: Message[] = [];
  for (;;) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!Messages.length) return got;
    for (const m of Messages) {
      got.push(m);
      await clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }),
      );
    }
  }
}

/** Waits until a queue holds nothing, visible or in flight (every delivery was taken and finished). */
const drained = (queueUrl: string) =>
  waitFor(`queue ${queueUrl} to be empty`, async () => {
    const d = await queueDepth(clients.sqs, queueUrl);
    return d.visible + d.inFlight + d.delayed === 0 ? true : undefined;
  });

// ------------------------------------------------------------------ 1. SQS redrive

describe('SQS event source mapping: redrive to the DLQ', () => {
  it('moves a message that fails maxReceiveCount times to the DLQ, after the function saw it exactly that often', async () => {
    // Arrange: a queue (VisibilityTimeout 1, maxReceiveCount 2 to a DLQ), a mapping, a function that always throws
    const { queue, dlq } = await queueWithDlq(2);
    const { fn, outFile } = deploy(ALWAYS_THROWS_SQS);
    start(
      startSqsMapping(
        ctx,
        eventSourceMapping({
          BatchSize: 10,
          EventSourceArn: queue.attributes.Arn,
          FunctionName: fn.arn,
          FunctionResponseTypes: [],
        }),
      ),
    );

    // Act
    const sent = await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.physicalId, MessageBody: 'doomed' }),
    );
    const dead = await waitFor('the message in the DLQ', async () => {
      const got = await drain(dlq.physicalId);
      return got.length ? got : undefined;
    });

    // Assert: the DLQ holds the message; the function saw it twice (receive counts 1 and 2), and nothing is left
    expect(dead.map((m) => [m.MessageId, m.Body])).toEqual([[sent.MessageId, 'doomed']]);
    const seen = readJsonLines<{ messageId: string; receiveCount: string }>(outFile);
    expect(seen.map((s) => s.messageId)).toEqual([sent.MessageId, sent.MessageId]);
    expect(seen.map((s) => s.receiveCount)).toEqual(['1', '2']);
    await drained(queue.physicalId);
    expect(host.stats(fn.name).invocations).toBe(2);
    expect(log.lines.some((l) => l.message.includes('FAILED Error: this function always fails'))).toBe(true);
  });

  it('with ReportBatchItemFailures redrives only the failed item of a batch and deletes the others', async () => {
    // Arrange: three messages already queued, a function that reports "bad" as its failed item; its
    // reserved concurrency of 1 gives the mapping one poller, so the three arrive as one batch
    const { queue, dlq } = await queueWithDlq(2);
    const { fn, outFile } = deploy(PARTIAL_BATCH_SQS, { reservedConcurrency: 1 });
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.physicalId,
        Entries: ['ok-1', 'bad', 'ok-2'].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );

    // Act
    start(
      startSqsMapping(
        ctx,
        eventSourceMapping({
          BatchSize: 10,
          EventSourceArn: queue.attributes.Arn,
          FunctionName: fn.name,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        }),
      ),
    );
    const dead = await waitFor('the failed item in the DLQ', async () => {
      const got = await drain(dlq.physicalId);
      return got.length ? got : undefined;
    });
    await drained(queue.physicalId);

    // Assert: the first batch had all three; only "bad" came back (once) and reached the DLQ
    expect(dead.map((m) => m.Body)).toEqual(['bad']);
    const batches = readJsonLines<{ bodies: string[] }>(outFile).map((b) => b.bodies);
    expect(batches[0]!.slice().sort()).toEqual(['bad', 'ok-1', 'ok-2']);
    expect(batches.slice(1)).toEqual([['bad']]);
    expect(await drain(dlq.physicalId)).toEqual([]);
  });
});

describe('SQS event source mapping: batching window', () => {
  it('gathers messages that arrive within MaximumBatchingWindowInSeconds into one batch, and no later one', async () => {
    // Arrange: one poller (reserved concurrency 1), a 2 s window, batch size 10, and a
    // visibility timeout longer than the window (as AWS requires). The window runs on a
    // clock this test moves: however slowly a loaded machine sends, it closes when told.
    let clock = 0;
    ctx.now = () => clock;
    const queue = await provision(clients, 'AWS::SQS::Queue', {
      QueueName: unique('op-fidelity-window'),
      VisibilityTimeout: 30,
    });
    const { fn, outFile } = deploy(PARTIAL_BATCH_SQS, { reservedConcurrency: 1 });
    start(
      startSqsMapping(
        ctx,
        eventSourceMapping({
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 2,
          EventSourceArn: queue.attributes.Arn,
          FunctionName: fn.name,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        }),
      ),
    );
    const heldByThePoller = (n: number) => async () => {
      const d = await queueDepth(clients.sqs, queue.physicalId);
      return d.visible === 0 && d.inFlight === n ? true : undefined;
    };

    // Act: three messages, one after another, each received into the open window
    for (const [i, body] of ['ok-1', 'ok-2', 'ok-3'].entries()) {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.physicalId, MessageBody: body }));
      await waitFor(`${body} in the window`, heldByThePoller(i + 1));
      clock += 500;
    }
    // Assess: 1.5 s into a 2 s window, nothing was invoked yet
    expect(readJsonLines(outFile)).toEqual([]);
    clock += 600;
    await waitFor('a batch', () => (readJsonLines(outFile).length ? true : undefined));

    // Act: one more after the window closed: it opens a window of its own
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.physicalId, MessageBody: 'late' }));
    await waitFor('late in a new window', heldByThePoller(1));
    clock += 2_100;
    await drained(queue.physicalId);

    // Assess: two invocations, the three together, then the late one alone
    const batches = readJsonLines<{ bodies: string[] }>(outFile).map((b) => b.bodies.slice().sort());
    expect(batches).toEqual([['ok-1', 'ok-2', 'ok-3'], ['late']]);
  });
});

// ------------------------------------------------------------------ 2. EventBridge rule patterns

describe('EventBridge rule with a Lambda target (shadow queue)', () => {
  it('invokes the function for matching events only, with the events as put', async () => {
    // Arrange: a bus and a rule (source + numeric content filter) whose target is a function
    const bus = await provision(clients, 'AWS::Events::EventBus', { Name: unique('op-fidelity-bus') });
    const { fn, outFile } = deploy(RECORDER);
    const run = emptyRunnables();
    await provision(
      clients,
      'AWS::Events::Rule',
      {
        EventBusName: bus.attributes.Arn,
        EventPattern: {
          source: ['op.orders'],
          'detail-type': ['OrderPlaced'],
          detail: { total: [{ numeric: ['>', 100] }] },
        },
        State: 'ENABLED',
        Targets: [{ Arn: fn.arn, Id: 'Handler' }],
      },
      run,
    );
    expect(run.shadows).toHaveLength(1);
    expect(run.shadows[0]).toMatchObject({ kind: 'rule-target', targetArn: fn.arn });
    start(startShadow(ctx, run.shadows[0]!));
    const entry = (source: string, total: unknown, ref: string) => ({
      EventBusName: bus.physicalId,
      Source: source,
      DetailType: 'OrderPlaced',
      Detail: JSON.stringify({ ref, total }),
    });

    // Act: two matching events among five that must not match
    const out = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          entry('op.orders', 100, 'at-the-bound'),
          entry('op.orders', 150, 'match-1'),
          entry('op.orders', 50, 'too-small'),
          entry('op.payments', 500, 'other-source'),
          entry('op.orders', '500', 'total-is-a-string'),
          entry('op.orders', 100.5, 'match-2'),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await waitFor('two invocations', () => (readJsonLines(outFile).length >= 2 ? true : undefined));
    await drained(run.shadows[0]!.queueUrl);
    await sleep(500); // quiet period: nothing else may arrive

    // Assert: exactly the matching events, in the EventBridge event shape
    const events = readJsonLines<{
      source: string;
      'detail-type': string;
      detail: { ref: string; total: number };
    }>(outFile);
    expect(events.map((e) => e.detail.ref).sort()).toEqual(['match-1', 'match-2']);
    for (const e of events) expect(e).toMatchObject({ source: 'op.orders', 'detail-type': 'OrderPlaced' });
    expect(events.map((e) => e.detail.total).sort()).toEqual([100.5, 150]);
    expect(host.stats(fn.name).invocations).toBe(2);
  });
});

// ------------------------------------------------------------------ 3. SNS filter policies

describe('SNS subscriptions with protocol lambda (shadow queue)', () => {
  it('deliver only what each filter policy (attributes, or MessageBody scope) lets through, in the Lambda SNS event shape', async () => {
    // Arrange: one topic, two function subscriptions with different filter policies
    const topic = await provision(clients, 'AWS::SNS::Topic', { TopicName: unique('op-fidelity-topic') });
    const byAttributes = deploy(RECORDER);
    const byBody = deploy(RECORDER);
    const run = emptyRunnables();
    await provision(
      clients,
      'AWS::SNS::Subscription',
      {
        TopicArn: topic.physicalId,
        Protocol: 'lambda',
        Endpoint: byAttributes.fn.arn,
        FilterPolicy: { eventType: ['order.placed'], total: [{ numeric: ['>=', 100] }] },
      },
      run,
    );
    await provision(
      clients,
      'AWS::SNS::Subscription',
      {
        TopicArn: topic.physicalId,
        Protocol: 'lambda',
        Endpoint: byBody.fn.arn,
        FilterPolicyScope: 'MessageBody',
        FilterPolicy: { kind: ['refund'], detail: { amount: [{ numeric: ['>', 0] }] } },
      },
      run,
    );
    expect(run.shadows.map((s) => [s.kind, s.targetArn])).toEqual([
      ['sns-subscription', byAttributes.fn.arn],
      ['sns-subscription', byBody.fn.arn],
    ]);
    run.shadows.forEach((s) => start(startShadow(ctx, s)));
    const publish = (body: unknown, attributes: Record<string, [string, string]> = {}) =>
      clients.sns.send(
        new PublishCommand({
          TopicArn: topic.physicalId,
          Message: JSON.stringify(body),
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, [type, value]]) => [
              k,
              { DataType: type, StringValue: value },
            ]),
          ),
        }),
      );

    // Act
    await publish(
      { kind: 'order', ref: 'a-1' },
      { eventType: ['String', 'order.placed'], total: ['Number', '150'] },
    );
    await publish(
      { kind: 'order', ref: 'a-small' },
      { eventType: ['String', 'order.placed'], total: ['Number', '50'] },
    );
    await publish(
      { kind: 'order', ref: 'a-other' },
      { eventType: ['String', 'order.cancelled'], total: ['Number', '500'] },
    );
    await publish({ kind: 'refund', ref: 'b-1', detail: { amount: 20 } });
    await publish({ kind: 'refund', ref: 'b-zero', detail: { amount: 0 } });
    await publish(
      { kind: 'order', ref: 'a-2' },
      { eventType: ['String', 'order.placed'], total: ['Number', '100'] },
    );
    await waitFor('three deliveries', () =>
      readJsonLines(byAttributes.outFile).length + readJsonLines(byBody.outFile).length >= 3
        ? true
        : undefined,
    );
    await Promise.all(run.shadows.map((s) => drained(s.queueUrl)));
    await sleep(500); // quiet period: nothing else may arrive

    // Assert: each function got exactly its matches, as Records[0].Sns with the message attributes
    type SnsEvent = {
      Records: Array<{
        EventSource: string;
        Sns: {
          Type: string;
          TopicArn: string;
          Message: string;
          MessageAttributes: Record<string, { Type: string; Value: string }>;
        };
      }>;
    };
    const refs = (file: string) =>
      readJsonLines<SnsEvent>(file)
        .map((e) => (JSON.parse(e.Records[0]!.Sns.Message) as { ref: string }).ref)
        .sort();
    expect(refs(byAttributes.outFile)).toEqual(['a-1', 'a-2']);
    expect(refs(byBody.outFile)).toEqual(['b-1']);
    const first = readJsonLines<SnsEvent>(byAttributes.outFile).find((e) =>
      e.Records[0]!.Sns.Message.includes('a-1'),
    )!;
    expect(first.Records).toHaveLength(1);
    expect(first.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      Sns: {
        Type: 'Notification',
        TopicArn: topic.physicalId,
        Message: JSON.stringify({ kind: 'order', ref: 'a-1' }),
        MessageAttributes: {
          eventType: { Type: 'String', Value: 'order.placed' },
          total: { Type: 'Number', Value: '150' },
        },
      },
    });
  });
});

// ------------------------------------------------------------------ 4. concurrency bounds

describe('concurrency bound of a function', () => {
  it('never runs more than reservedConcurrency (2) of 12 simultaneous invocations, and completes them all', async () => {
    // Arrange
    const { fn } = deploy(SLOW, { reservedConcurrency: 2, env: { SLEEP_MS: '150' } });

    // Act
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => host.invoke(fn.name, { label: `direct-${i}` })),
    );

    // Assert: the function's own timestamps never overlap more than twice (and do reach 2)
    expect(results.filter((r) => r.error)).toEqual([]);
    const spans = results.map((r) => r.payload as { start: number; end: number; label: string });
    expect(spans.map((s) => s.label).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `direct-${i}`).sort(),
    );
    expect(maxOverlap(spans)).toBe(2);
    expect(host.stats(fn.name)).toMatchObject({ invocations: 12, limit: 2 });
    expect(host.stats(fn.name).peak).toBeLessThanOrEqual(2);
    expect(host.stats(fn.name).environments).toBeLessThanOrEqual(2);
  });

  it('holds reservedConcurrency across an SQS mapping (MaximumConcurrency 5) and direct invocations at once', async () => {
    // Arrange: 12 queued messages, a reserved-concurrency-2 function
    const { queue } = await queueWithDlq(5);
    const { fn, outFile } = deploy(SLOW, { reservedConcurrency: 2, env: { SLEEP_MS: '100' } });
    for (let i = 0; i < 12; i += 6)
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.physicalId,
          Entries: Array.from({ length: 6 }, (_, j) => ({ Id: String(j), MessageBody: `sqs-${i + j}` })),
        }),
      );

    // Act: the mapping drains the queue while 12 direct invocations compete for the same two environments
    start(
      startSqsMapping(
        ctx,
        eventSourceMapping({
          BatchSize: 1,
          EventSourceArn: queue.attributes.Arn,
          FunctionName: fn.arn,
          ScalingConfig: { MaximumConcurrency: 5 },
        }),
      ),
    );
    const direct = await Promise.all(
      Array.from({ length: 12 }, (_, i) => host.invoke(fn.name, { label: `direct-${i}` })),
    );
    await waitFor('every message processed', () => (readJsonLines(outFile).length >= 24 ? true : undefined));
    await drained(queue.physicalId);

    // Assert
    expect(direct.filter((r) => r.error)).toEqual([]);
    const spans = readJsonLines<{ start: number; end: number; label: string }>(outFile);
    expect(spans.map((s) => s.label).sort()).toEqual(
      [
        ...Array.from({ length: 12 }, (_, i) => `sqs-${i}`),
        ...Array.from({ length: 12 }, (_, i) => `direct-${i}`),
      ].sort(),
    );
    expect(maxOverlap(spans)).toBeLessThanOrEqual(2);
    expect(host.stats(fn.name).peak).toBeLessThanOrEqual(2);
  });

  it("bounds an SQS mapping by its ScalingConfig.MaximumConcurrency (2) when the function's own cap is higher", async () => {
    // Arrange: no reserved concurrency (the host's default cap is 10)
    const { queue } = await queueWithDlq(5);
    const { fn, outFile } = deploy(SLOW, { env: { SLEEP_MS: '100' } });
    for (let i = 0; i < 12; i += 6)
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.physicalId,
          Entries: Array.from({ length: 6 }, (_, j) => ({ Id: String(j), MessageBody: `sqs-${i + j}` })),
        }),
      );

    // Act
    start(
      startSqsMapping(
        ctx,
        eventSourceMapping({
          BatchSize: 1,
          EventSourceArn: queue.attributes.Arn,
          FunctionName: fn.name,
          ScalingConfig: { MaximumConcurrency: 2 },
        }),
      ),
    );
    await waitFor('every message processed', () => (readJsonLines(outFile).length >= 12 ? true : undefined));
    await drained(queue.physicalId);

    // Assert
    const spans = readJsonLines<{ start: number; end: number; label: string }>(outFile);
    expect(spans.map((s) => s.label).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `sqs-${i}`).sort());
    expect(host.stats(fn.name).limit).toBe(10);
    expect(maxOverlap(spans)).toBe(2);
  });
});

// ------------------------------------------------------------------ 5. DynamoDB streams, timeouts

describe('DynamoDB stream mapping', () => {
  /** A table with a NEW_IMAGE stream and an on-failure queue, from CloudFormation-shaped properties. */
  async function tableAndFailureQueue() {
    const table = await provision(clients, 'AWS::DynamoDB::Table', {
      TableName: unique('op-fidelity-table'),
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    const onFailure = await provision(clients, 'AWS::SQS::Queue', {
      QueueName: unique('op-fidelity-onfailure'),
    });
    return { table, onFailure };
  }

  const put = (table: string, pk: string, extra: Record<string, unknown> = {}) =>
    clients.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: pk },
          ...Object.fromEntries(
            Object.entries(extra).map(([k, v]) => [
              k,
              typeof v === 'boolean' ? { BOOL: v } : { S: String(v) },
            ]),
          ),
        },
      }),
    );

  type Batch = { records: Array<{ pk: string; seq: string; eventName: string }>; ok?: boolean };
  type FailureRecord = {
    requestContext: { condition: string; approximateInvokeCount: number; functionArn: string };
    DDBStreamBatchInfo: {
      batchSize: number;
      startSequenceNumber: string;
      endSequenceNumber: string;
      streamArn: string;
    };
  };

  const failureRecords = (queueUrl: string) =>
    waitFor('the on-failure record', async () => {
      const got = await drain(queueUrl);
      return got.length ? got.map((m) => JSON.parse(m.Body!) as FailureRecord) : undefined;
    });

  it('a cancelled transaction leaves no stream record, and the reader goes on reading', async () => {
    // Arrange: a reader already on the stream (it keeps its shard iterator between reads)
    const { table } = await tableAndFailureQueue();
    const { fn, outFile } = deploy(STREAM_REPORTS_POISON);
    start(
      startStreamMapping(
        ctx,
        eventSourceMapping({
          EventSourceArn: table.attributes.StreamArn,
          FunctionName: fn.arn,
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
        }),
      ),
    );
    const seen = () =>
      readJsonLines<{ records: { pk: string }[] }>(outFile).flatMap((b) => b.records.map((r) => r.pk));
    await put(table.physicalId, 'before');
    await waitFor('the first record', () => (seen().includes('before') ? true : undefined));

    // Act: a transaction whose second write fails its condition (as an Idempotency-Key
    // replayed with another body does), then an ordinary write
    const cancelled = await clients.dynamodb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table.physicalId, Item: { pk: { S: 'phantom' } } } },
            {
              Put: {
                TableName: table.physicalId,
                Item: { pk: { S: 'before' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      )
      .then(
        () => 'committed',
        (e: Error) => e.name,
      );
    expect(cancelled).toBe('TransactionCanceledException');
    await put(table.physicalId, 'after');
    await waitFor('the record written after the cancelled transaction', () =>
      seen().includes('after') ? true : undefined,
    );

    // Assert: DynamoDB streams what was written, and a cancelled transaction wrote nothing
    expect(seen()).toEqual(['before', 'after']);
  });

  it('bisects a failing batch: the good records are processed, the poison record alone goes to OnFailure', async () => {
    // Arrange: two good records and a poison one in the stream; a function that throws on poison
    const { table, onFailure } = await tableAndFailureQueue();
    const { fn, outFile } = deploy(STREAM_THROWS_ON_POISON);
    await put(table.physicalId, 'good-1');
    await put(table.physicalId, 'good-2');
    await put(table.physicalId, 'poison', { poison: true });

    // Act
    start(
      startStreamMapping(
        ctx,
        eventSourceMapping({
          EventSourceArn: table.attributes.StreamArn,
          FunctionName: fn.arn,
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 1,
          DestinationConfig: { OnFailure: { Destination: onFailure.attributes.Arn } },
        }),
      ),
    );
    const failures = await failureRecords(onFailure.physicalId);

    // Assert: one batch of three failed, its halves retried; the good half succeeded
    const batches = readJsonLines<Batch>(outFile);
    expect(batches[0]!.records.map((r) => r.pk)).toEqual(['good-1', 'good-2', 'poison']);
    const processed = batches.filter((b) => b.ok).flatMap((b) => b.records.map((r) => r.pk));
    expect(processed.sort()).toEqual(['good-1', 'good-2']);
    const poisonSeq = batches[0]!.records[2]!.seq;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2, functionArn: fn.arn },
      DDBStreamBatchInfo: {
        batchSize: 1,
        startSequenceNumber: poisonSeq,
        endSequenceNumber: poisonSeq,
        streamArn: table.attributes.StreamArn,
      },
    });
  });

  it('with ReportBatchItemFailures retries from the failed record only, then sends it to OnFailure', async () => {
    // Arrange
    const { table, onFailure } = await tableAndFailureQueue();
    const { fn, outFile } = deploy(STREAM_REPORTS_POISON);
    await put(table.physicalId, 'good-1');
    await put(table.physicalId, 'good-2');
    await put(table.physicalId, 'poison', { poison: true });

    // Act
    start(
      startStreamMapping(
        ctx,
        eventSourceMapping({
          EventSourceArn: table.attributes.StreamArn,
          FunctionName: fn.name,
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          MaximumRetryAttempts: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          DestinationConfig: { OnFailure: { Destination: onFailure.attributes.Arn } },
        }),
      ),
    );
    const failures = await failureRecords(onFailure.physicalId);

    // Assert: the good records were given once; the retry held the poison record only
    const batches = readJsonLines<Batch>(outFile).map((b) => b.records.map((r) => r.pk));
    expect(batches).toEqual([['good-1', 'good-2', 'poison'], ['poison']]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.DDBStreamBatchInfo).toMatchObject({
      batchSize: 1,
      streamArn: table.attributes.StreamArn,
    });
    expect(failures[0]!.DDBStreamBatchInfo.startSequenceNumber).toBe(
      readJsonLines<Batch>(outFile)[1]!.records[0]!.seq,
    );
  });

  it('hands the function only the records its FilterCriteria pattern matches', async () => {
    // Arrange: a pattern on the event name and the new image
    const { table } = await tableAndFailureQueue();
    const { fn, outFile } = deploy(STREAM_REPORTS_POISON);
    start(
      startStreamMapping(
        ctx,
        eventSourceMapping({
          EventSourceArn: table.attributes.StreamArn,
          FunctionName: fn.name,
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          FilterCriteria: {
            Filters: [
              {
                Pattern: JSON.stringify({
                  eventName: ['INSERT'],
                  dynamodb: { NewImage: { kind: { S: ['order'] } } },
                }),
              },
            ],
          },
        }),
      ),
    );

    // Act: inserts of both kinds, an update of a matching item, and a last matching insert
    await put(table.physicalId, 'note-1', { kind: 'note' });
    await put(table.physicalId, 'order-1', { kind: 'order' });
    await put(table.physicalId, 'note-2', { kind: 'note' });
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: table.physicalId,
        Key: { pk: { S: 'order-1' } },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'PAID' } },
      }),
    );
    await put(table.physicalId, 'order-2', { kind: 'order' });
    // Records are handed over in stream order: once order-2 arrived, everything before it was filtered.
    await waitFor('order-2', () =>
      readJsonLines<Batch>(outFile).some((b) => b.records.some((r) => r.pk === 'order-2')) ? true : undefined,
    );

    // Assert
    const seen = readJsonLines<Batch>(outFile).flatMap((b) => b.records);
    expect(seen.map((r) => [r.pk, r.eventName])).toEqual([
      ['order-1', 'INSERT'],
      ['order-2', 'INSERT'],
    ]);
  });
});

describe('S3 notifications to a function (shadow queue)', () => {
  it('invoke the function only for objects under the configured prefix and suffix, with the S3 event', async () => {
    // Arrange: a bucket whose NotificationConfiguration sends uploads/*.csv to a function
    const fn = deploy(RECORDER);
    const run = emptyRunnables();
    const bucket = await provision(
      clients,
      'AWS::S3::Bucket',
      {
        BucketName: unique('op-fidelity-bucket').toLowerCase(),
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Function: fn.fn.arn,
              Filter: {
                S3Key: {
                  Rules: [
                    { Name: 'prefix', Value: 'uploads/' },
                    { Name: 'suffix', Value: '.csv' },
                  ],
                },
              },
            },
          ],
        },
      },
      run,
    );
    expect(run.shadows.map((s) => s.kind)).toEqual(['s3-notification']);
    run.shadows.forEach((s) => start(startShadow(ctx, s)));
    const put = (Key: string) =>
      clients.s3.send(new PutObjectCommand({ Bucket: bucket.physicalId, Key, Body: 'sku,qty\nMUG,1\n' }));

    // Act
    await put('uploads/stock-1.csv');
    await put('elsewhere/stock-2.csv');
    await put('uploads/readme.txt');
    await put('uploads/nested/stock-3.csv');
    await waitFor('two deliveries', () => (readJsonLines(fn.outFile).length >= 2 ? true : undefined));
    await Promise.all(run.shadows.map((s) => drained(s.queueUrl)));
    await sleep(500); // quiet period: nothing else may arrive

    // Assert
    type S3Event = {
      Records: Array<{ eventSource: string; s3: { bucket: { name: string }; object: { key: string } } }>;
    };
    const keys = readJsonLines<S3Event>(fn.outFile).flatMap((e) => e.Records.map((r) => r.s3.object.key));
    expect(keys.sort()).toEqual(['uploads/nested/stock-3.csv', 'uploads/stock-1.csv']);
    const first = readJsonLines<S3Event>(fn.outFile)[0]!.Records[0]!;
    expect(first.eventSource).toBe('aws:s3');
    expect(first.s3.bucket.name).toBe(bucket.physicalId);
  });
});

describe('S3: one key written by many at once', () => {
  it('answers every PutObject (last writer wins), none with a 500 (moto fix 6)', async () => {
    const bucket = await provision(clients, 'AWS::S3::Bucket', {
      BucketName: unique('op-fidelity-race').toLowerCase(),
    });
    // No SDK retry: a 500 would show as a rejected call, not be hidden by a second try.
    const s3 = new S3Client({
      endpoint: motoUrl,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket.physicalId,
            Key: 'invoice.pdf',
            Body: `copy ${i} `.repeat(2_000),
          }),
        ),
      ),
    );
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
    ).toEqual([]);
  });
});

describe('SES sending identities', () => {
  it('verifies the identities a role may send from (as an operator does in AWS), and no other', async () => {
    // Arrange: a role allowed ses:SendEmail on one domain identity, as receipts' roles are
    const domain = `${unique('mail')}.example.com`;
    await provision(clients, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
      Policies: [
        {
          PolicyName: 'send',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['ses:SendEmail'],
                Resource: `arn:aws:ses:us-east-1:123456789012:identity/${domain}`,
              },
            ],
          },
        },
      ],
    });
    const send = (from: string) =>
      clients.ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: ['buyer@example.com'] },
          Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hello' } } } },
        }),
      );

    // Act + Assert: the role's identity sends; an identity nobody declared is refused
    await expect(send(`receipts@${domain}`)).resolves.toMatchObject({ MessageId: expect.any(String) });
    await expect(send(`receipts@not-${domain}`)).rejects.toThrow(/not verified/i);
  });
});

describe('function timeout', () => {
  it('fails an invocation that outlives Timeout with Sandbox.Timedout; the next invocation is a cold start', async () => {
    // Arrange: a warm environment
    const { fn } = deploy(SLEEPER, { timeoutMs: 300 });
    const first = await host.invoke(fn.name, { sleepMs: 0 });
    const warm = await host.invoke(fn.name, { sleepMs: 0 });

    // Act
    const timedOut = await host.invoke(fn.name, { sleepMs: 5_000 });
    const after = await host.invoke(fn.name, { sleepMs: 0 });

    // Assert
    expect([first.coldStart, warm.coldStart]).toEqual([true, false]);
    expect(warm.payload).toEqual(first.payload);
    expect(timedOut.error).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.30 seconds',
    });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(300);
    expect(timedOut.durationMs).toBeLessThan(2_000);
    expect(after.error).toBeUndefined();
    expect(after.coldStart).toBe(true);
    expect((after.payload as { instance: string }).instance).not.toBe(
      (first.payload as { instance: string }).instance,
    );
    expect(host.stats(fn.name).environments).toBe(1);
    expect(log.lines.some((l) => l.message.startsWith('FAILED Sandbox.Timedout'))).toBe(true);
  });
});

describe('init phase', () => {
  it('does not count a slow init (module load) against the function timeout, as Lambda does', async () => {
    // Arrange: 600 ms of module init, a 300 ms Timeout, a handler that answers at once
    const { fn } = deploy(
      `const until = Date.now() + 600; while (Date.now() < until) {}
exports.handler = async (event, context) => ({ remaining: context.getRemainingTimeInMillis() });`,
      { timeoutMs: 300 },
    );

    // Act
    const first = await host.invoke(fn.name, {});

    // Assert: a cold start that succeeded, with (nearly) all of its 300 ms left at the start
    expect(first.error).toBeUndefined();
    expect(first.coldStart).toBe(true);
    expect(first.durationMs).toBeGreaterThanOrEqual(600);
    expect((first.payload as { remaining: number }).remaining).toBeGreaterThan(200);
  });
});

describe('new code (npm run dev --watch)', () => {
  it('after reload, the next invocation is a cold start on the new bundle; other services keep theirs', async () => {
    // Arrange: a function answering "v1", invoked once (a warm environment exists)
    const { fn } = deploy(`exports.handler = async () => 'v1';`);
    expect((await host.invoke(fn.name, {})).payload).toBe('v1');
    expect((await host.invoke(fn.name, {})).coldStart).toBe(false);

    // Act: the package is rebuilt in place, then the service reloads
    writeFileSync(fn.zipPath, zipSync({ 'index.js': strToU8(`exports.handler = async () => 'v2';`) }));
    utimesSync(fn.zipPath, new Date(), new Date(Date.now() + 5_000));
    const touched = host.reload(fn.service);
    const after = await host.invoke(fn.name, {});

    // Assert
    expect(touched).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ payload: 'v2', coldStart: true });
    expect(host.reload('op-some-other-service')).toBe(0);
  });
});
