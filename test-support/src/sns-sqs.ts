/**
 * SNS -> SQS -> Lambda, for component tests against moto_server.
 *
 * 1. `provisionMessaging(stack, { imports })` creates, in moto, the topics, queues (with
 *    their redrive policies), queue policies and SNS subscriptions (raw delivery, filter
 *    policies) that a stack's *packaged template* declares, under unique names. Imports
 *    (`Fn::ImportValue`, e.g. the billing topic ARN another stack exports) are supplied by
 *    the test. So the filter policy a test exercises is the one that will be deployed.
 *
 * 2. `runSqsEventSource({...})` plays the Lambda SQS event source mapping
 *    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
 *    receive a batch, invoke the real handler with a Lambda-shaped SQSEvent, delete the
 *    records that succeeded, and leave the failures on the queue. With
 *    ReportBatchItemFailures, only the listed `itemIdentifier`s failed; a thrown handler,
 *    or a response naming an identifier that is empty or not in the batch, fails the
 *    whole batch (the documented success/failure conditions). Without it, any throw
 *    fails the whole batch. Moving a message to the DLQ after `maxReceiveCount` receives
 *    is moto's own RedrivePolicy implementation (it moves the message on the receive
 *    after the limit), as SQS does.
 *    Deterministic, not real-time: instead of waiting out the visibility timeout, the
 *    poller makes a failed message visible again at once (ChangeMessageVisibility 0). One
 *    poller, one batch at a time; tests assert outcomes, never timing.
 *
 * For concurrent pollers against real visibility timeouts, see sqs-driver.ts.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext, uniqueName } from './aws';
import {
  lambdaFunction,
  loadTemplate,
  refTarget,
  resourcesOfType,
  type CfnResource,
  type CfnTemplate,
} from './template';
import { REGION, resolve as resolveIntrinsics, type Scope } from './cfn-intrinsics';

// ---------------------------------------------------------------------------------------
// Provisioning a stack's topics, queues and subscriptions in moto
// ---------------------------------------------------------------------------------------

export interface ProvisionedQueue {
  url: string;
  arn: string;
  name: string;
}

export interface ProvisionedMessaging {
  template: CfnTemplate;
  queues: Record<string, ProvisionedQueue>;
  topics: Record<string, { arn: string; name: string }>;
  subscriptions: Record<string, string>;
  resolve: (value: unknown) => unknown;
  /** The queue a function consumes, with the event source mapping's settings. */
  eventSourceOf: (functionName: string) => SqsEventSourceSettings & { queue: ProvisionedQueue };
}

export interface ProvisionOptions {
  /** `Fn::ImportValue` name -> value (e.g. 'op-billing-notifier-dev-BillingTopicArn' -> a moto topic ARN). */
  imports?: Record<string, string>;
  /** Extra Ref/GetAtt values for resources these helpers do not create (tables, buckets). */
  refs?: Record<string, string>;
  attrs?: Record<string, Record<string, string>>;
  sqs?: SQSClient;
  sns?: SNSClient;
}

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
];

function dependsOnQueue(r: CfnResource): string | undefined {
  return refTarget(r.Properties?.RedrivePolicy?.deadLetterTargetArn);
}

/** `stack` is a folder relative to the repository root (e.g. 'services/invoicing'). */
export async function provisionMessaging(
  stack: string,
  opts: ProvisionOptions = {},
): Promise<ProvisionedMessaging> {
  const template = loadTemplate(stack);
  const sqs = opts.sqs ?? new SQSClient({});
  const sns = opts.sns ?? new SNSClient({});
  // Intrinsics through the shared resolver (cfn-intrinsics.ts): the resources created
  // below are added to its scope as they come.
  const scope: Scope = {
    refs: new Map(Object.entries(opts.refs ?? {})),
    attrs: new Map(Object.entries(opts.attrs ?? {})),
    exports: new Map(Object.entries(opts.imports ?? {})),
    parameters: {},
    conditions: {},
    stackName: stack,
  };
  const resolve = (v: unknown) => resolveIntrinsics(v, scope);
  const tag = uniqueName(stack.split('/').pop()!).slice(0, 40);

  const topics: ProvisionedMessaging['topics'] = {};
  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    const name = `${tag}-${id}`.slice(0, 256);
    const out = await sns.send(new CreateTopicCommand({ Name: name }));
    topics[id] = { arn: out.TopicArn!, name };
    scope.refs.set(id, out.TopicArn!);
    scope.attrs.set(id, { TopicArn: out.TopicArn!, TopicName: name });
  }

  // Dead-letter queues first: a redrive policy names its DLQ's ARN.
  const queues: Record<string, ProvisionedQueue> = {};
  const pending = resourcesOfType(template, 'AWS::SQS::Queue');
  while (pending.length) {
    const index = pending.findIndex(([, r]) => {
      const dlq = dependsOnQueue(r);
      return dlq === undefined || dlq in queues;
    });
    if (index < 0)
      throw new Error(`Queues with unresolvable redrive targets: ${pending.map(([id]) => id).join(', ')}`);
    const [[id, r]] = pending.splice(index, 1) as [[string, CfnResource]];
    const p = r.Properties ?? {};
    const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
    const name = `${tag}-${id}`.slice(0, fifo ? 75 : 80) + (fifo ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    for (const a of QUEUE_ATTRIBUTES) if (p[a] !== undefined) attributes[a] = String(p[a]);
    if (fifo) attributes.FifoQueue = 'true';
    if (p.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = String(p.ContentBasedDeduplication);
    if (p.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(resolve(p.RedrivePolicy));
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const arn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes!.QueueArn!;
    queues[id] = { url: created.QueueUrl!, arn, name };
    scope.refs.set(id, created.QueueUrl!);
    scope.attrs.set(id, { Arn: arn, QueueName: name, QueueUrl: created.QueueUrl! });
  }

  for (const [, r] of resourcesOfType(template, 'AWS::SQS::QueuePolicy')) {
    const policy = JSON.stringify(resolve(r.Properties?.PolicyDocument));
    for (const q of r.Properties?.Queues ?? []) {
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: String(resolve(q)), Attributes: { Policy: policy } }),
      );
    }
  }

  const subscriptions: Record<string, string> = {};
  for (const [id, r] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    const p = r.Properties ?? {};
    const attributes: Record<string, string> = {};
    if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
    if (p.FilterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(resolve(p.FilterPolicy));
    if (p.FilterPolicyScope !== undefined) attributes.FilterPolicyScope = String(p.FilterPolicyScope);
    if (p.RedrivePolicy !== undefined) attributes.RedrivePolicy = JSON.stringify(resolve(p.RedrivePolicy));
    const out = await sns.send(
      new SubscribeCommand({
        TopicArn: String(resolve(p.TopicArn)),
        Protocol: String(p.Protocol),
        Endpoint: String(resolve(p.Endpoint)),
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    subscriptions[id] = out.SubscriptionArn!;
  }

  const eventSourceOf = (functionName: string) => {
    const settings = sqsEventSourceSettings(template, functionName);
    const queue = queues[settings.queueLogicalId];
    if (!queue)
      throw new Error(`${functionName} consumes ${settings.queueLogicalId}, which was not provisioned`);
    return { ...settings, queue };
  };

  return { template, queues, topics, subscriptions, resolve, eventSourceOf };
}

// ---------------------------------------------------------------------------------------
// The Lambda SQS event source, played
// ---------------------------------------------------------------------------------------

export interface SqsEventSourceSettings {
  queueLogicalId: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** The function's timeout, which the handler sees through getRemainingTimeInMillis(). */
  timeoutMs: number;
  functionName: string;
}

/** The settings of a function's SQS event source mapping, read from the packaged template. */
export function sqsEventSourceSettings(t: CfnTemplate, functionName: string): SqsEventSourceSettings {
  const [fnId, fn] = lambdaFunction(t, functionName);
  const mapping = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')
    .map(([, m]) => m)
    .find(
      (m) =>
        refTarget(m.Properties?.FunctionName) === fnId &&
        t.Resources[refTarget(m.Properties?.EventSourceArn) ?? '']?.Type === 'AWS::SQS::Queue',
    );
  if (!mapping) throw new Error(`${functionName} has no SQS event source mapping in the template`);
  return {
    queueLogicalId: refTarget(mapping.Properties?.EventSourceArn)!,
    batchSize: Number(mapping.Properties?.BatchSize ?? 10),
    reportBatchItemFailures: (mapping.Properties?.FunctionResponseTypes ?? []).includes(
      'ReportBatchItemFailures',
    ),
    timeoutMs: Number(fn.Properties?.Timeout ?? 6) * 1000,
    functionName,
  };
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

export interface RunSqsEventSourceOptions {
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  batchSize?: number;
  reportBatchItemFailures?: boolean;
  timeoutMs?: number;
  functionName?: string;
  /** Safety net: a queue that is still not empty after this many receives is an error, never a silent pass. */
  maxReceives?: number;
  sqs?: SQSClient;
}

export interface EventSourceReport {
  invocations: number;
  /** Every record handed to the handler, in order (a retried message appears once per attempt). */
  delivered: SQSRecord[];
  /** Records the handler completed (deleted from the queue). */
  succeeded: SQSRecord[];
  /** Records that failed an attempt (left on the queue for another receive). */
  failed: SQSRecord[];
  /** Handler invocations that threw. */
  errors: string[];
}

/** A moto message as the Lambda SQS event record it would be. */
export function toSqsRecord(m: Message, queueArn: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        {
          dataType: v.DataType ?? 'String',
          ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          ...(v.BinaryValue !== undefined
            ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') }
            : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? REGION,
  } as SQSRecord;
}

/** Which records of a batch failed, by Lambda's rules for the handler's outcome. */
export function failedRecords(
  records: SQSRecord[],
  outcome: { response?: SQSBatchResponse | void | null; threw: boolean },
  reportBatchItemFailures: boolean,
): SQSRecord[] {
  if (outcome.threw) return records;
  if (!reportBatchItemFailures) return [];
  const failures = outcome.response?.batchItemFailures;
  if (!failures || failures.length === 0) return [];
  const ids = new Set(records.map((r) => r.messageId));
  // An empty, null or unknown itemIdentifier makes Lambda treat the whole batch as failed.
  if (failures.some((f) => !f?.itemIdentifier || !ids.has(f.itemIdentifier))) return records;
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  return records.filter((r) => failed.has(r.messageId));
}

/** Polls until a receive finds the queue empty (failures keep coming back until SQS redrives them). */
export async function runSqsEventSource(opts: RunSqsEventSourceOptions): Promise<EventSourceReport> {
  const sqs = opts.sqs ?? new SQSClient({});
  const batchSize = Math.min(opts.batchSize ?? 10, 10);
  const report: EventSourceReport = { invocations: 0, delivered: [], succeeded: [], failed: [], errors: [] };
  const maxReceives = opts.maxReceives ?? 200;
  for (let receives = 0; ; receives++) {
    if (receives >= maxReceives) {
      throw new Error(
        `runSqsEventSource: ${opts.queueUrl} still has messages after ${maxReceives} receives (no redrive policy?)`,
      );
    }
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return report;
    const records = messages.map((m) => toSqsRecord(m, opts.queueArn));
    report.invocations++;
    report.delivered.push(...records);
    let response: SQSBatchResponse | void | undefined;
    let threw = false;
    try {
      const context = lambdaContext(
        opts.timeoutMs ?? 6_000,
        opts.functionName ?? 'sqs-consumer',
      ) as unknown as Context;
      response = await opts.handler({ Records: records }, context);
    } catch (error) {
      threw = true;
      report.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    const failed = failedRecords(records, { response, threw }, opts.reportBatchItemFailures ?? true);
    const failedIds = new Set(failed.map((r) => r.messageId));
    const ok = records.filter((r) => !failedIds.has(r.messageId));
    report.failed.push(...failed);
    report.succeeded.push(...ok);
    if (ok.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: opts.queueUrl,
          Entries: ok.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    if (failed.length) {
      // The visibility timeout, fast-forwarded: the failures are receivable again now.
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: opts.queueUrl,
          Entries: failed.map((r, i) => ({
            Id: String(i),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

/** Plays a provisioned function's event source with the settings its template declares. */
export function runEventSourceOf(
  messaging: ProvisionedMessaging,
  functionName: string,
  handler: SqsHandler,
  sqs?: SQSClient,
) {
  const source = messaging.eventSourceOf(functionName);
  return runSqsEventSource({
    queueUrl: source.queue.url,
    queueArn: source.queue.arn,
    handler,
    batchSize: source.batchSize,
    reportBatchItemFailures: source.reportBatchItemFailures,
    timeoutMs: source.timeoutMs,
    functionName,
    ...(sqs ? { sqs } : {}),
  });
}

// ---------------------------------------------------------------------------------------
// Reading queues in assertions
// ---------------------------------------------------------------------------------------

/** Receives every message currently visible (moto delivers synchronously: no waiting). */
export async function receiveAll(
  queueUrl: string,
  opts: { delete?: boolean; sqs?: SQSClient } = {},
): Promise<Message[]> {
  const sqs = opts.sqs ?? new SQSClient({});
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        // Long enough that a message is not received twice within this call.
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return out;
    out.push(...messages);
    if (opts.delete) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
}

/** Visible + in-flight messages of a queue. */
export async function messageCount(queueUrl: string, sqs: SQSClient = new SQSClient({})): Promise<number> {
  const attrs: QueueAttributeName[] = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
  ];
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: attrs }));
  return attrs.reduce((sum, a) => sum + Number(out.Attributes?.[a] ?? 0), 0);
}

/** A plain queue (e.g. a capture queue for a test subscription or an EventBridge target). */
export async function createQueue(
  prefix: string,
  sqs: SQSClient = new SQSClient({}),
): Promise<ProvisionedQueue> {
  const name = uniqueName(prefix);
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const arn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes!.QueueArn!;
  return { url: created.QueueUrl!, arn, name };
}

/** Subscribes a capture queue to a topic (raw delivery), optionally filtered, to observe what a topic carries. */
export async function captureTopic(
  topicArn: string,
  filterPolicy?: Record<string, unknown>,
  clients: { sqs?: SQSClient; sns?: SNSClient } = {},
) {
  const queue = await createQueue('capture', clients.sqs);
  await (clients.sns ?? new SNSClient({})).send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: {
        RawMessageDelivery: 'true',
        ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}),
      },
    }),
  );
  return queue;
}

// ---------------------------------------------------------------------------------------
// Template facts about a self-subscription (for template tests)
// ---------------------------------------------------------------------------------------

export interface SubscriptionFacts {
  subscriptionId: string;
  /** The topic as the template names it: an import name, or a logical id. */
  topic: string;
  queueId: string;
  rawMessageDelivery: boolean;
  filterPolicyScope?: string;
  filterPolicy?: Record<string, unknown>;
  deadLetterQueueId?: string;
  maxReceiveCount?: number;
  visibilityTimeout: number;
  /** Functions consuming the queue, with their timeouts (seconds). */
  consumers: {
    functionId: string;
    timeout: number;
    reportBatchItemFailures: boolean;
    maximumConcurrency?: number;
  }[];
  /** Whether a queue policy lets SNS send to the queue only from this topic. */
  queuePolicyAllowsTopic: boolean;
}

const topicName = (v: unknown): string => {
  if (v && typeof v === 'object' && 'Fn::ImportValue' in (v as object))
    return String((v as Record<string, unknown>)['Fn::ImportValue']);
  return refTarget(v) ?? JSON.stringify(v);
};

/** Everything a template says about one SNS -> SQS subscription, gathered for assertions. */
export function subscriptionFacts(t: CfnTemplate, subscriptionId: string): SubscriptionFacts {
  const sub = t.Resources[subscriptionId];
  if (!sub || sub.Type !== 'AWS::SNS::Subscription')
    throw new Error(`${subscriptionId} is not an AWS::SNS::Subscription`);
  const p = sub.Properties ?? {};
  const queueId = refTarget(p.Endpoint)!;
  const queue = t.Resources[queueId]?.Properties ?? {};
  const topic = topicName(p.TopicArn);
  const consumers = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')
    .map(([, m]) => m)
    .filter((m) => refTarget(m.Properties?.EventSourceArn) === queueId)
    .map((m) => {
      const functionId = refTarget(m.Properties?.FunctionName)!;
      return {
        functionId,
        timeout: Number(t.Resources[functionId]?.Properties?.Timeout ?? 6),
        reportBatchItemFailures: (m.Properties?.FunctionResponseTypes ?? []).includes(
          'ReportBatchItemFailures',
        ),
        ...(m.Properties?.ScalingConfig?.MaximumConcurrency
          ? { maximumConcurrency: Number(m.Properties.ScalingConfig.MaximumConcurrency) }
          : {}),
      };
    });
  const queuePolicyAllowsTopic = resourcesOfType(t, 'AWS::SQS::QueuePolicy').some(([, qp]) => {
    const targets = (qp.Properties?.Queues ?? []).map(refTarget);
    if (!targets.includes(queueId)) return false;
    return (qp.Properties?.PolicyDocument?.Statement ?? []).some(
      (s: {
        Effect: string;
        Principal?: { Service?: string };
        Action: string | string[];
        Condition?: Record<string, Record<string, unknown>>;
      }) =>
        s.Effect === 'Allow' &&
        s.Principal?.Service === 'sns.amazonaws.com' &&
        ([] as string[]).concat(s.Action).includes('sqs:SendMessage') &&
        topicName(s.Condition?.ArnEquals?.['aws:SourceArn']) === topic,
    );
  });
  return {
    subscriptionId,
    topic,
    queueId,
    rawMessageDelivery: p.RawMessageDelivery === true || p.RawMessageDelivery === 'true',
    ...(p.FilterPolicyScope ? { filterPolicyScope: String(p.FilterPolicyScope) } : {}),
    ...(p.FilterPolicy ? { filterPolicy: p.FilterPolicy } : {}),
    ...(queue.RedrivePolicy
      ? {
          deadLetterQueueId: refTarget(queue.RedrivePolicy.deadLetterTargetArn),
          maxReceiveCount: Number(queue.RedrivePolicy.maxReceiveCount),
        }
      : {}),
    visibilityTimeout: Number(queue.VisibilityTimeout ?? 30),
    consumers,
    queuePolicyAllowsTopic,
  };
}

/** The subscriptions of a template, by logical id. */
export function subscriptionsOf(t: CfnTemplate): SubscriptionFacts[] {
  return resourcesOfType(t, 'AWS::SNS::Subscription').map(([id]) => subscriptionFacts(t, id));
}
