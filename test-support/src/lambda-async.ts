/**
 * Lambda's asynchronous invocation (InvocationType Event), played for component tests:
 * moto cannot run functions, so this runs the real handler in-process with the
 * semantics AWS documents, and delivers the invocation record to the real destination
 * (an SQS queue, SNS topic or EventBridge bus in moto).
 *
 * What AWS documents, and what is played here:
 * - "If the function returns an error, Lambda attempts to run it two more times"; the
 *   function's EventInvokeConfig lowers that with MaximumRetryAttempts (0-2).
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 *   https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionEventInvokeConfig.html
 * - Function errors include the runtime's (a timeout is one).
 * - When an event fails every attempt, Lambda sends an invocation record to the
 *   on-failure destination; a successful invocation sends one to the on-success
 *   destination: `{ version: '1.0', timestamp, requestContext: { requestId, functionArn,
 *   condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded', approximateInvokeCount },
 *   requestPayload, responseContext: { statusCode, executedVersion, functionError? },
 *   responsePayload }`.
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 * - For SQS and SNS the record is the message body; for EventBridge it is the `detail`,
 *   with source `lambda` and detail-type `Lambda Function Invocation Result - Success`
 *   (or `- Failure`), resources = [function ARN, destination ARN].
 * - The same event keeps its request id across the retries (the record has one
 *   requestId and an invoke count).
 *
 * The 1-minute and 2-minute waits between attempts are played only on request
 * (`retryDelaysMs`: the local runner asks for them); tests assert outcomes, not timing,
 * so by default the retries run back to back (a test that needs another invocation to
 * finish first awaits it before invoking again). Not played: MaximumEventAgeInSeconds
 * expiry, throttling (429) retries for up to 6 hours, and the queue's occasional
 * duplicate delivery (a test invokes twice for that). A Lambda-function destination is
 * not supported here.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './aws';
import { lambdaFunction, resourcesOfType, refTarget, type CfnTemplate } from './template';

export type AsyncHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;

export interface EventInvokeConfig {
  functionArn: string;
  /** 0-2; Lambda's default is 2. */
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds?: number;
  onSuccess?: string;
  onFailure?: string;
  /** The function's timeout; an attempt running longer fails as Sandbox.Timedout. */
  timeoutMs: number;
}

export type Condition = 'Success' | 'RetriesExhausted';

export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: Condition;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  responsePayload: unknown;
}

export interface AsyncInvokeOutcome {
  condition: Condition;
  attempts: number;
  record: InvocationRecord;
  /** The destination ARN the record went to (none configured for that condition: undefined). */
  deliveredTo?: string;
}

/**
 * The EventInvokeConfig of a serverless.yml function, read from the packaged template.
 * `resolve` turns the destinations' intrinsics (GetAtt, ImportValue) into moto ARNs, e.g.
 * the `resolve` of `provisionMessaging` in sns-sqs.ts.
 */
export function eventInvokeConfigFromTemplate(
  t: CfnTemplate,
  functionName: string,
  resolve: (value: unknown) => unknown,
  functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
): EventInvokeConfig {
  const [fnId, fn] = lambdaFunction(t, functionName);
  const found = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').find(
    ([, c]) => refTarget(c.Properties?.FunctionName) === fnId,
  );
  return eventInvokeConfigOf(
    (found?.[1].Properties ?? {}) as EventInvokeConfigProperties,
    functionArn,
    Number(fn.Properties?.Timeout ?? 6) * 1000,
    resolve,
  );
}

/** The properties of an AWS::Lambda::EventInvokeConfig (what matters here). */
export interface EventInvokeConfigProperties {
  MaximumRetryAttempts?: number | string;
  MaximumEventAgeInSeconds?: number | string;
  DestinationConfig?: { OnSuccess?: { Destination?: unknown }; OnFailure?: { Destination?: unknown } };
}

/**
 * EventInvokeConfig properties as the async-invoke semantics read them (Lambda's
 * defaults when a property, or the whole config, is absent). `resolve` turns
 * unresolved destinations into ARNs; resolved properties need none.
 */
export function eventInvokeConfigOf(
  p: EventInvokeConfigProperties,
  functionArn: string,
  timeoutMs: number,
  resolve: (value: unknown) => unknown = (v) => v,
): EventInvokeConfig {
  const destination = (d: unknown) => String(resolve(d));
  return {
    functionArn: `${functionArn}:$LATEST`,
    maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? 2),
    ...(p.MaximumEventAgeInSeconds !== undefined
      ? { maximumEventAgeInSeconds: Number(p.MaximumEventAgeInSeconds) }
      : {}),
    ...(p.DestinationConfig?.OnSuccess?.Destination
      ? { onSuccess: destination(p.DestinationConfig.OnSuccess.Destination) }
      : {}),
    ...(p.DestinationConfig?.OnFailure?.Destination
      ? { onFailure: destination(p.DestinationConfig.OnFailure.Destination) }
      : {}),
    timeoutMs,
  };
}

class TimedOut extends Error {
  override name = 'Sandbox.Timedout';
}

/** How the Node.js runtime reports an unhandled error as the response payload. */
function errorPayload(error: unknown) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name || 'Error', errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

async function attempt(
  handler: AsyncHandler,
  payload: unknown,
  config: EventInvokeConfig,
  requestId: string,
): Promise<unknown> {
  const name = config.functionArn.split(':')[6] ?? 'function';
  const context = {
    ...lambdaContext(config.timeoutMs, name),
    awsRequestId: requestId,
    invokedFunctionArn: config.functionArn,
  } as unknown as Context;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimedOut(`Task timed out after ${(config.timeoutMs / 1000).toFixed(2)} seconds`)),
      config.timeoutMs,
    );
  });
  try {
    // Each attempt gets its own copy of the event, as each attempt is a fresh delivery.
    return await Promise.race([
      Promise.resolve().then(() => handler(structuredClone(payload), context)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DestinationClients {
  sqs?: SQSClient;
  sns?: SNSClient;
  eventBridge?: EventBridgeClient;
}

/** Sends an invocation record to a destination, in the shape each destination type receives. */
export async function deliverInvocationRecord(
  destinationArn: string,
  record: InvocationRecord,
  clients: DestinationClients = {},
): Promise<void> {
  const [, , service, region, account, resource] = destinationArn.split(':');
  const body = JSON.stringify(record);
  if (service === 'sqs') {
    const sqs = clients.sqs ?? new SQSClient({});
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: resource!, QueueOwnerAWSAccountId: account }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    return;
  }
  if (service === 'sns') {
    await (clients.sns ?? new SNSClient({})).send(
      new PublishCommand({ TopicArn: destinationArn, Message: body }),
    );
    return;
  }
  if (service === 'events') {
    const success = record.requestContext.condition === 'Success';
    const out = await (clients.eventBridge ?? new EventBridgeClient({})).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: resource!.replace(/^event-bus\//, ''),
            Source: 'lambda',
            DetailType: `Lambda Function Invocation Result - ${success ? 'Success' : 'Failure'}`,
            Detail: body,
            Resources: [record.requestContext.functionArn, destinationArn],
          },
        ],
      }),
    );
    if (out.FailedEntryCount)
      throw new Error(`PutEvents to ${destinationArn} failed: ${JSON.stringify(out.Entries)}`);
    return;
  }
  throw new Error(`lambda-async: destination type ${service} (${region}) is not supported by this harness`);
}

/**
 * One asynchronous invocation, start to finish: the first attempt, up to
 * MaximumRetryAttempts retries on error, then the invocation record to the destination
 * configured for the outcome. Never throws for a function error (the caller of an async
 * invoke never sees one); it does throw if a destination cannot be reached.
 */
export interface AsyncInvokeOptions {
  /**
   * Waits before the 1st and 2nd retry. Lambda waits about one and two minutes
   * (LAMBDA_RETRY_DELAYS_MS, what the local runner uses); tests leave it empty: back to back.
   */
  retryDelaysMs?: readonly number[];
  /** Aborting cancels the retries still waiting (the invocation is dropped, as on shutdown). */
  signal?: AbortSignal;
}

export const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000] as const;

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export async function invokeAsync(
  handler: AsyncHandler,
  payload: unknown,
  config: EventInvokeConfig,
  clients: DestinationClients = {},
  opts: AsyncInvokeOptions = {},
): Promise<AsyncInvokeOutcome> {
  const requestId = randomUUID();
  const retries = Math.max(0, Math.min(2, config.maximumRetryAttempts));
  let lastError: unknown;
  let attempts = 0;
  for (let i = 0; i <= retries; i++) {
    if (i > 0 && opts.retryDelaysMs?.[i - 1]) await wait(opts.retryDelaysMs[i - 1]!, opts.signal);
    attempts++;
    try {
      const result = await attempt(handler, payload, config, requestId);
      const record = invocationRecord(
        'Success',
        attempts,
        requestId,
        config,
        payload,
        { statusCode: 200, executedVersion: '$LATEST' },
        result ?? null,
      );
      if (config.onSuccess) await deliverInvocationRecord(config.onSuccess, record, clients);
      return {
        condition: 'Success',
        attempts,
        record,
        ...(config.onSuccess ? { deliveredTo: config.onSuccess } : {}),
      };
    } catch (error) {
      lastError = error;
    }
  }
  const record = invocationRecord(
    'RetriesExhausted',
    attempts,
    requestId,
    config,
    payload,
    { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    errorPayload(lastError),
  );
  if (config.onFailure) await deliverInvocationRecord(config.onFailure, record, clients);
  return {
    condition: 'RetriesExhausted',
    attempts,
    record,
    ...(config.onFailure ? { deliveredTo: config.onFailure } : {}),
  };
}

function invocationRecord(
  condition: Condition,
  attempts: number,
  requestId: string,
  config: EventInvokeConfig,
  payload: unknown,
  responseContext: InvocationRecord['responseContext'],
  responsePayload: unknown,
): InvocationRecord {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId,
      functionArn: config.functionArn,
      condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: payload,
    responseContext,
    responsePayload,
  };
}

/**
 * Wraps a handler so an Invoke endpoint (lambda-invoke-server.ts) runs each `Event`
 * invocation with these semantics: register it under the function's name, point the
 * caller's LambdaClient at the endpoint, and the caller's real InvocationType 'Event'
 * request ends in the real destination. Outcomes are also collected for assertions.
 */
export function asyncInvocationTarget(
  handler: AsyncHandler,
  config: EventInvokeConfig,
  clients: DestinationClients = {},
) {
  const outcomes: AsyncInvokeOutcome[] = [];
  const target = async (event: unknown) => {
    const outcome = await invokeAsync(handler, event, config, clients);
    outcomes.push(outcome);
    return outcome;
  };
  return { target, outcomes };
}
