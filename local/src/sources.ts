/**
 * The event sources AWS runs on a function's behalf, played against the real engines:
 * - SQS event source mappings (batch size, partial batch responses, maximum
 *   concurrency; redrive to the DLQ is the queue's own policy, applied by moto when a
 *   failed message is received maxReceiveCount times), through test-support's sqs-driver;
 * - DynamoDB stream mappings (batch size, batching window, filter criteria, bisect on
 *   error, partial batch responses, retry limit, record age, on-failure destination);
 * - deliveries moto matched but cannot make itself (a rule's function or state machine
 *   target, an SNS subscription or S3 notification to a function): moto puts them in a
 *   shadow queue and they are invoked from there, asynchronously, as AWS does;
 * - schedules (rate and cron expressions);
 * - asynchronous invocation: retries and on-success / on-failure destinations, through
 *   test-support's lambda-async.
 */
import { randomUUID } from 'node:crypto';
import { RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, SQSBatchResponse } from 'aws-lambda';
import { Cron } from 'croner';
import {
  eventInvokeConfigOf,
  invokeAsync,
  type EventInvokeConfig,
} from '@order-platform/test-support/lambda-async';
import { startPollers, type DriverRun } from '@order-platform/test-support/sqs-driver';
import { openStreamDriver, toStreamEvent } from '@order-platform/test-support/stream-driver';
import { ACCOUNT, REGION } from './cfn';
import { filterOf } from './event-filter';
import { functionNameOf, type FunctionHost } from './lambda/host';
import type { Clients, QueueDelivery, Schedule, ShadowDelivery } from './provision';
import type { InvokeResult, LocalResource, LogSink } from './types';
import type { DeliveryFault } from './faults/injector';

/**
 * May a service invoke the function for a delivery (its `AWS::Lambda::Permission`s, see
 * iam/resource-policies.ts)? Absent: every delivery is admitted (IAM not enforced).
 */
export type InvokePermission = (
  fn: string,
  delivery: {
    principal: 'events.amazonaws.com' | 'sns.amazonaws.com' | 's3.amazonaws.com';
    sourceArn: string;
  },
) => Promise<{ allowed: boolean; reason: string }>;

export interface StateMachineStarter {
  startExecution(stateMachineArn: string, input: string): Promise<{ executionArn: string }>;
}

export interface SourceContext {
  host: FunctionHost;
  clients: Clients;
  endpoint: string;
  log: LogSink;
  sfn: StateMachineStarter;
  /** EventInvokeConfig by function name. */
  asyncConfigs: Map<string, LocalResource>;
  /** Waits before async retries (Lambda's one and two minutes in the runner). */
  asyncRetryDelaysMs: readonly number[];
  /** Aborted when the runner stops: pending async retries are dropped. */
  stopping: AbortSignal;
  /** The functions' resource policies, when IAM is enforced. */
  invokePermission?: InvokePermission;
  /** The clock SQS batching windows are measured on (tests move their own; default Date.now). */
  now?: () => number;
  /**
   * Async invocations not finished yet, their waits between retries included: what a
   * caller waiting for the platform to be quiet must see go to zero (GET /_local/pending).
   */
  pending?: { asyncInvocations: number };
  /** Fault injection (local/src/faults): whether a batch is delivered twice. */
  faults?: {
    forDelivery(source: string, fn: string): DeliveryFault | undefined;
    /** Records the function reported as failed in its partial batch response (an outage may explain them). */
    noteFailure?(fn: string): void;
  };
}

const PRINCIPALS = {
  'rule-target': 'events.amazonaws.com',
  'sns-subscription': 'sns.amazonaws.com',
  's3-notification': 's3.amazonaws.com',
} as const;

/** Whether the service may invoke the function; a refusal is logged loudly. */
async function permitted(
  ctx: SourceContext,
  fn: string,
  principal: keyof typeof PRINCIPAL_NAMES,
  sourceArn: string,
): Promise<{ allowed: boolean; reason: string }> {
  if (!ctx.invokePermission) return { allowed: true, reason: 'not enforced' };
  const d = await ctx.invokePermission(fn, { principal, sourceArn });
  if (!d.allowed)
    ctx.log.line(
      'iam',
      `DENIED ${PRINCIPAL_NAMES[principal]} -> ${functionNameOf(fn)}: lambda:InvokeFunction from ${sourceArn}: ${d.reason} (no AWS::Lambda::Permission admits it)`,
    );
  return d;
}

const PRINCIPAL_NAMES = {
  'events.amazonaws.com': 'EventBridge',
  'sns.amazonaws.com': 'SNS',
  's3.amazonaws.com': 'S3',
} as const;

export interface Running {
  stop(): Promise<void>;
}

class FunctionError extends Error {
  constructor(e: NonNullable<InvokeResult['error']>) {
    super(e.errorMessage);
    this.name = e.errorType;
  }
}

/** The function's result, or its error thrown (what an event source sees). */
async function call(ctx: SourceContext, fn: string, event: unknown): Promise<unknown> {
  const r = await ctx.host.invoke(fn, event);
  if (r.error) throw new FunctionError(r.error);
  return r.payload;
}

/**
 * One delivery of a batch from a mapping, with the at-least-once behaviour a fault profile
 * asks for: the same batch once more after the first delivery ended (a duplicate), or at
 * the same time (redelivered before the first copy finished). The extra copy's outcome is
 * the function's business; the mapping acts on the first copy's.
 */
async function deliver(ctx: SourceContext, source: string, fn: string, event: unknown): Promise<unknown> {
  const fault = ctx.faults?.forDelivery(source, fn);
  const extra = () =>
    call(ctx, fn, event).catch((e: Error) =>
      ctx.log.line('lambda', `${functionNameOf(fn)}: the repeated delivery failed: ${e.name}: ${e.message}`),
    );
  let out: unknown;
  if (fault === 'early-redelivery') [out] = await Promise.all([call(ctx, fn, event), extra()]);
  else {
    out = await call(ctx, fn, event);
    if (fault === 'duplicate-delivery') await extra();
  }
  if ((out as SQSBatchResponse | null)?.batchItemFailures?.length)
    ctx.faults?.noteFailure?.(functionNameOf(fn));
  return out;
}

// ------------------------------------------------------------------ async invocation

export function asyncConfigOf(ctx: SourceContext, fnNameOrArn: string): EventInvokeConfig {
  const name = functionNameOf(fnNameOrArn);
  const fn = ctx.host.functions().find((f) => f.name === name);
  return eventInvokeConfigOf(
    ctx.asyncConfigs.get(name)?.properties ?? {},
    fn?.arn ?? fnNameOrArn,
    fn?.timeoutMs ?? 3000,
  );
}

/** InvocationType Event: retries and destinations as configured; never throws for a function error. */
export async function invokeEvent(ctx: SourceContext, fn: string, payload: unknown): Promise<void> {
  const config = asyncConfigOf(ctx, fn);
  if (ctx.pending) ctx.pending.asyncInvocations++;
  const outcome = await invokeAsync(
    (e) => call(ctx, fn, e),
    payload,
    config,
    { sqs: ctx.clients.sqs, sns: ctx.clients.sns, eventBridge: ctx.clients.events },
    { retryDelaysMs: ctx.asyncRetryDelaysMs, signal: ctx.stopping },
  )
    .catch((e: unknown) => {
      if (ctx.stopping.aborted) return undefined; // shutting down: the waiting retries are dropped
      throw e;
    })
    .finally(() => {
      if (ctx.pending) ctx.pending.asyncInvocations--;
    });
  if (!outcome) return;
  if (outcome.condition !== 'Success')
    ctx.log.line(
      'lambda',
      `${functionNameOf(fn)}: async event failed ${outcome.attempts} times${outcome.deliveredTo ? `, record sent to ${outcome.deliveredTo}` : ', no on-failure destination'}`,
    );
}

// ------------------------------------------------------------------ SQS mappings

export function startSqsMapping(ctx: SourceContext, esm: LocalResource): Running {
  const p = esm.properties;
  const fn = String(p.FunctionName);
  const queueName = String(p.EventSourceArn).split(':').pop()!;
  const reportFailures = (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
  const limit = ctx.host.stats(fn).limit;
  const concurrency = Math.min(Number(p.ScalingConfig?.MaximumConcurrency ?? 5), limit);
  let run: DriverRun | undefined;
  let stopped = false;
  const started = (async () => {
    const { QueueUrl } = await ctx.clients.sqs.send(
      new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: ACCOUNT }),
    );
    if (stopped) return;
    run = startPollers({
      queueUrl: QueueUrl!,
      client: ctx.clients.sqs,
      concurrency,
      batchSize: Number(p.BatchSize ?? 10),
      batchWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
      ...(ctx.now ? { now: ctx.now } : {}),
      until: async () => stopped,
      deadlineMs: 2 ** 31 - 1,
      waitTimeSeconds: 20,
      handler: async (event) => {
        const out = (await deliver(ctx, queueName, fn, event)) as SQSBatchResponse | null;
        // Without ReportBatchItemFailures, Lambda ignores the response: success deletes all.
        return reportFailures && out?.batchItemFailures ? out : undefined;
      },
    });
    run.done.catch((e: Error) => {
      if (!stopped) ctx.log.line('lambda', `SQS poller of ${functionNameOf(fn)} stopped: ${e.message}`);
    });
  })();
  return {
    async stop() {
      stopped = true;
      await started.catch(() => undefined);
      await run?.stop();
    },
  };
}

// ------------------------------------------------------------------ DynamoDB streams

interface StreamFailure {
  records: DynamoDBRecord[];
  attempts: number;
}

export function startStreamMapping(ctx: SourceContext, esm: LocalResource): Running {
  const p = esm.properties;
  const fn = String(p.FunctionName);
  const streamArn = String(p.EventSourceArn);
  const tableName = streamArn.split('/')[1]!;
  const batchSize = Number(p.BatchSize ?? 100);
  const windowMs = Math.max(250, Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000);
  // -1 means "until the record expires"; locally that is capped.
  const maxRetries = Number(p.MaximumRetryAttempts ?? -1) < 0 ? 10_000 : Number(p.MaximumRetryAttempts);
  const maxAgeMs =
    Number(p.MaximumRecordAgeInSeconds ?? -1) < 0 ? Infinity : Number(p.MaximumRecordAgeInSeconds) * 1000;
  const bisect = Boolean(p.BisectBatchOnFunctionError);
  const reportFailures = (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
  const onFailure: string | undefined = p.DestinationConfig?.OnFailure?.Destination;
  const passes = filterOf(p.FilterCriteria);
  const fnArn = ctx.host.functions().find((f) => f.name === functionNameOf(fn))?.arn ?? fn;
  let stopped = false;

  const sendToDestination = async (f: StreamFailure) => {
    const first = f.records[0]!;
    const last = f.records[f.records.length - 1]!;
    const record = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: fnArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: f.attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: first.eventID?.split(':')[0] ?? 'shard',
        startSequenceNumber: first.dynamodb?.SequenceNumber,
        endSequenceNumber: last.dynamodb?.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date(
          (first.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
        ).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          (last.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
        ).toISOString(),
        batchSize: f.records.length,
        streamArn,
      },
    };
    ctx.log.line(
      'lambda',
      `${functionNameOf(fn)}: ${f.records.length} stream records failed ${f.attempts} times`,
    );
    if (!onFailure) return;
    const body = JSON.stringify(record);
    if (onFailure.startsWith('arn:aws:sqs:')) {
      const { QueueUrl } = await ctx.clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: onFailure.split(':').pop()!, QueueOwnerAWSAccountId: ACCOUNT }),
      );
      await ctx.clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    } else {
      await ctx.clients.sns.send(new PublishCommand({ TopicArn: onFailure, Message: body }));
    }
  };

  /** One batch to completion: success, or retries / bisection, then the destination. */
  const processBatch = async (batch: DynamoDBRecord[], attemptsSoFar: number): Promise<void> => {
    let pending = batch;
    let attempts = attemptsSoFar;
    while (pending.length && !stopped) {
      attempts++;
      let failedFrom = -1;
      let threw = false;
      try {
        const out = (await deliver(ctx, tableName, fn, toStreamEvent(pending))) as SQSBatchResponse | null;
        const failures = reportFailures ? (out?.batchItemFailures ?? []) : [];
        if (failures.length) {
          // Retry from the earliest failed record (by sequence number); an id not in the
          // batch fails the whole batch, as Lambda does.
          const at = failures.map((f) =>
            pending.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier),
          );
          failedFrom = at.some((i) => i < 0) ? 0 : Math.min(...at);
        }
      } catch {
        threw = true;
        failedFrom = 0;
      }
      if (failedFrom < 0) return;
      pending = pending.slice(failedFrom);
      if (attempts > maxRetries) {
        await sendToDestination({ records: pending, attempts });
        return;
      }
      if (threw && bisect && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        // A split is not a retry: each half starts with the attempts made before this one.
        await processBatch(pending.slice(0, half), attempts - 1);
        await processBatch(pending.slice(half), attempts - 1);
        return;
      }
      // A short, growing pause before the retry (a failing record with unlimited retries
      // must not spin the machine).
      await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(attempts, 6))));
    }
  };

  const loop = (async () => {
    const reader = await openStreamDriver(tableName, {
      from: p.StartingPosition === 'LATEST' ? 'NOW' : 'TRIM_HORIZON',
      dynamodb: ctx.clients.dynamodb,
      streams: ctx.clients.streams,
    });
    while (!stopped) {
      const fresh = (await reader.read()).filter((r) => {
        const age = Date.now() - (r.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000;
        return age <= maxAgeMs && passes(r);
      });
      for (let i = 0; i < fresh.length && !stopped; i += batchSize)
        await processBatch(fresh.slice(i, i + batchSize), 0);
      await new Promise((r) => setTimeout(r, windowMs));
    }
  })().catch((e: Error) => {
    if (!stopped) ctx.log.line('lambda', `stream reader of ${functionNameOf(fn)} stopped: ${e.message}`);
  });
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

// ------------------------------------------------------------------ shadow deliveries

/** What the function receives for one message moto put in a shadow queue. */
function eventFor(shadow: ShadowDelivery, body: string): unknown | undefined {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (shadow.kind === 'rule-target') return parsed;
  if (shadow.kind === 's3-notification') return s3Event(shadow, parsed);
  // SNS: the notification moto delivered, in the Lambda SNS event shape.
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${parsed.TopicArn}:${randomUUID()}`,
        Sns: {
          Type: parsed.Type,
          MessageId: parsed.MessageId,
          TopicArn: parsed.TopicArn,
          Subject: parsed.Subject ?? null,
          Message: parsed.Message,
          Timestamp: parsed.Timestamp,
          SignatureVersion: parsed.SignatureVersion ?? '1',
          Signature: parsed.Signature ?? '',
          SigningCertUrl: parsed.SigningCertURL ?? '',
          UnsubscribeUrl: parsed.UnsubscribeURL ?? '',
          MessageAttributes: parsed.MessageAttributes ?? {},
        },
      },
    ],
  };
}

/**
 * An S3 event as Lambda gets it: only the records whose key passes the notification's
 * prefix / suffix rules (moto delivers every key), keys URL-encoded the way S3 does
 * (spaces as '+', '/' kept). The test event S3 sends on configuration is dropped.
 */
function s3Event(shadow: ShadowDelivery, parsed: Record<string, unknown>): unknown | undefined {
  if (parsed.Event === 's3:TestEvent') return undefined;
  const { prefix = '', suffix = '' } = shadow.keyFilter ?? {};
  type S3Record = { s3: { object: { key: string } } };
  const records = ((parsed.Records ?? []) as S3Record[])
    .map((r) => {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
      return { key, record: { ...r, s3: { ...r.s3, object: { ...r.s3.object, key: encoded } } } };
    })
    .filter(({ key }) => key.startsWith(prefix) && key.endsWith(suffix))
    .map(({ record }) => record);
  return records.length ? { ...parsed, Records: records } : undefined;
}

export function startShadow(ctx: SourceContext, shadow: ShadowDelivery): Running {
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const isStateMachine = shadow.targetArn.startsWith('arn:aws:states:');
  const run = startPollers({
    queueUrl: shadow.queueUrl,
    client: ctx.clients.sqs,
    concurrency: 1,
    batchSize: 10,
    until: async () => stopped,
    deadlineMs: 2 ** 31 - 1,
    waitTimeSeconds: 20,
    handler: async (event) => {
      for (const record of event.Records) {
        const payload = eventFor(shadow, record.body);
        if (payload === undefined) continue;
        if (isStateMachine) {
          try {
            await ctx.sfn.startExecution(shadow.targetArn, JSON.stringify(payload));
          } catch (e) {
            await deadLetter(ctx, shadow, record.body, e as Error);
          }
          continue;
        }
        if (!ctx.host.has(shadow.targetArn)) {
          await deadLetter(ctx, shadow, record.body, new Error(`Function not found: ${shadow.targetArn}`));
          continue;
        }
        const permission = await permitted(ctx, shadow.targetArn, PRINCIPALS[shadow.kind], shadow.sourceArn);
        if (!permission.allowed) {
          await refused(ctx, shadow, record.body, permission.reason);
          continue;
        }
        // Accepted: the event is Lambda's now (async invoke), the message can go. A fault
        // profile may have EventBridge / SNS deliver it twice (both are at-least-once).
        const copies = ctx.faults?.forDelivery(shadow.source, functionNameOf(shadow.targetArn)) ? 2 : 1;
        for (let copy = 0; copy < copies; copy++) {
          const p = invokeEvent(ctx, shadow.targetArn, payload).catch((e: Error) =>
            ctx.log.line(
              'lambda',
              `async delivery to ${functionNameOf(shadow.targetArn)} failed: ${e.message}`,
            ),
          );
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
      }
    },
  });
  run.done.catch((e: Error) => {
    if (!stopped) ctx.log.line('events', `delivery from ${shadow.source} stopped: ${e.message}`);
  });
  return {
    async stop() {
      stopped = true;
      await run.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * A delivery the function's resource policy refuses, played as each service plays it:
 * EventBridge counts a failed invocation and sends the event to the target's DLQ
 * (ERROR_CODE NO_PERMISSIONS); SNS retries, then gives up (or redrives to the
 * subscription's DLQ: the runner skips the retries, which cannot succeed); S3 drops it.
 */
async function refused(ctx: SourceContext, shadow: ShadowDelivery, body: string, reason: string) {
  const error = Object.assign(new Error(`lambda:InvokeFunction denied: ${reason}`), {
    name: 'NO_PERMISSIONS',
  });
  if (shadow.kind === 'rule-target') return deadLetter(ctx, shadow, body, error);
  if (shadow.kind === 'sns-subscription') {
    ctx.log.line(
      'sns',
      `${shadow.source}: delivery to ${functionNameOf(shadow.targetArn)} failed (permission), given up${shadow.deadLetterArn ? `, sent to ${shadow.deadLetterArn}` : ' (no subscription DLQ)'}`,
    );
    if (shadow.deadLetterArn) await sendTo(ctx, shadow.deadLetterArn, body);
    return;
  }
  ctx.log.line('s3', `${shadow.source}: notification to ${functionNameOf(shadow.targetArn)} dropped`);
}

async function sendTo(
  ctx: SourceContext,
  queueArn: string,
  body: string,
  attributes?: Record<string, { DataType: string; StringValue: string }>,
) {
  const { QueueUrl } = await ctx.clients.sqs.send(
    new GetQueueUrlCommand({ QueueName: queueArn.split(':').pop()!, QueueOwnerAWSAccountId: ACCOUNT }),
  );
  await ctx.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: body,
      ...(attributes ? { MessageAttributes: attributes } : {}),
    }),
  );
}

/** A rule target that cannot be reached: its DeadLetterConfig queue, as EventBridge does. */
async function deadLetter(ctx: SourceContext, shadow: ShadowDelivery, body: string, error: Error) {
  ctx.log.line('events', `${shadow.source}: cannot deliver to ${shadow.targetArn}: ${error.message}`);
  if (!shadow.deadLetterArn) return;
  const { QueueUrl } = await ctx.clients.sqs.send(
    new GetQueueUrlCommand({
      QueueName: shadow.deadLetterArn.split(':').pop()!,
      QueueOwnerAWSAccountId: ACCOUNT,
    }),
  );
  await ctx.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: body,
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: error.name },
        ERROR_MESSAGE: { DataType: 'String', StringValue: error.message.slice(0, 256) },
        RULE_ARN: { DataType: 'String', StringValue: shadow.sourceArn },
        TARGET_ARN: { DataType: 'String', StringValue: shadow.targetArn },
      },
    }),
  );
}

// ------------------------------------------------------------------ queue policies

/**
 * SNS subscriptions and rule targets to a queue are delivered by moto itself, which does
 * not read queue policies. Each is judged once every stack is up (a queue policy may come
 * from a later stack): one the queue's policy does not admit (sqs:SendMessage for
 * sns.amazonaws.com / events.amazonaws.com with the topic's / rule's aws:SourceArn) is
 * taken out of moto (the subscription removed, the rule target removed), so no message
 * reaches the queue, as in AWS, and one loud line says why. Returns those held.
 */
export async function holdRefusedQueueDeliveries(
  clients: Clients,
  deliveries: QueueDelivery[],
  canSend: (
    queueArn: string,
    delivery: { principal: 'sns.amazonaws.com' | 'events.amazonaws.com'; sourceArn: string },
  ) => Promise<{ allowed: boolean; reason: string }>,
  log: LogSink,
): Promise<Array<QueueDelivery & { reason: string }>> {
  const held: Array<QueueDelivery & { reason: string }> = [];
  for (const d of deliveries) {
    const principal = d.kind === 'sns-subscription' ? 'sns.amazonaws.com' : 'events.amazonaws.com';
    const decision = await canSend(d.queueArn, { principal, sourceArn: d.sourceArn });
    if (decision.allowed) continue;
    if (d.subscriptionArn)
      await clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: d.subscriptionArn }));
    if (d.rule)
      await clients.events.send(
        new RemoveTargetsCommand({ Rule: d.rule.name, EventBusName: d.rule.bus, Ids: [d.rule.targetId] }),
      );
    log.line(
      'iam',
      `DENIED ${principal === 'sns.amazonaws.com' ? 'SNS' : 'EventBridge'} -> ${d.queueArn.split(':').pop()}: sqs:SendMessage from ${d.sourceArn}: ${decision.reason} (${d.source}: ${d.kind === 'sns-subscription' ? 'every message published to the topic is lost for this queue' : 'every matching event is a failed invocation'}; this delivery is held)`,
    );
    held.push({ ...d, reason: decision.reason });
  }
  return held;
}

// ------------------------------------------------------------------ schedules

/** `cron(15 2 * * ? *)` -> croner's `15 2 * * *`; AWS numbers weekdays 1-7 from Sunday. */
export function cronPattern(expression: string): string {
  const fields = /^cron\((.+)\)$/.exec(expression.trim())?.[1]?.split(/\s+/);
  if (!fields || fields.length !== 6) throw new Error(`Not an AWS cron expression: ${expression}`);
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const weekday = dow.replace(/\d/g, (d) => String((Number(d) + 6) % 7));
  return [min, hour, dom === '?' ? '*' : dom, month, dow === '?' ? '*' : weekday].join(' ');
}

export function rateMs(expression: string): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new Error(`Not an AWS rate expression: ${expression}`);
  const unit = m[2]!.startsWith('minute') ? 60_000 : m[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(m[1]) * unit;
}

export interface ScheduleRunner extends Running {
  /** Fires a schedule now (the demo and the tests do not wait for 02:15). */
  fire(ruleName: string): Promise<void>;
  names(): string[];
}

export function startSchedules(ctx: SourceContext, schedules: Schedule[]): ScheduleRunner {
  const timers: Array<{ stop(): void }> = [];
  const fire = async (s: Schedule) => {
    const event = s.input
      ? JSON.parse(s.input)
      : {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: ACCOUNT,
          time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: REGION,
          resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${s.ruleName}`],
          detail: {},
        };
    ctx.log.line('scheduler', `${s.ruleName} fires (${s.expression})`);
    // EventBridge invokes the target as events.amazonaws.com: its permission must admit the rule.
    if (!(await permitted(ctx, s.targetArn, 'events.amazonaws.com', s.sourceArn)).allowed) {
      ctx.log.line('scheduler', `${s.ruleName}: invocation failed (FailedInvocations), not invoked`);
      return;
    }
    await invokeEvent(ctx, s.targetArn, event);
  };
  for (const s of schedules) {
    const run = () =>
      void fire(s).catch((e: Error) => ctx.log.line('scheduler', `${s.ruleName}: ${e.message}`));
    if (s.expression.startsWith('rate(')) {
      const t = setInterval(run, rateMs(s.expression));
      t.unref();
      timers.push({ stop: () => clearInterval(t) });
    } else {
      const job = new Cron(cronPattern(s.expression), { timezone: 'UTC', unref: true }, run);
      timers.push({ stop: () => job.stop() });
    }
  }
  return {
    names: () => schedules.map((s) => s.ruleName),
    async fire(ruleName: string) {
      const matching = schedules.filter((s) => s.ruleName === ruleName);
      if (!matching.length) throw new Error(`No schedule named ${ruleName}`);
      await Promise.all(matching.map(fire));
    },
    async stop() {
      timers.forEach((t) => t.stop());
    },
  };
}
