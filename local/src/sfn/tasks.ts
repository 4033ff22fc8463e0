/**
 * What a Task state's `Resource` does locally. aws-local-stepfunctions runs every Task
 * through a local handler (taskResourceLocalHandlers); this file builds those handlers:
 * - a Lambda function ARN: invoke it, its return value is the result;
 * - `arn:aws:states:::lambda:invoke`: invoke `FunctionName` with `Payload`, the result
 *   wrapped as AWS wraps it ({ExecutedVersion, Payload, SdkHttpMetadata, StatusCode});
 * - `.waitForTaskToken` on either of the above or on an SDK integration: start the
 *   work, then wait for SendTaskSuccess / SendTaskFailure on the entry's task token;
 * - `arn:aws:states:::sqs|sns|events|dynamodb:<action>` and `…:aws-sdk:<service>:<action>`:
 *   the same API call against moto_server;
 * - `arn:aws:states:::states:startExecution(.sync|.sync:2)`: a nested local execution.
 * A Lambda error becomes the state error AWS raises: Error = the function's errorType,
 * Cause = JSON {"errorMessage","errorType","trace"}, so Retry / Catch lists match.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionRunner, InvokeResult } from '../types';
import type { Json, TaskState } from './asl';
import type { ExecutionView } from './engine';
import { StatesError, UncatchableError, type TaskTokens } from './tokens';

/** The running execution, as a task sees it. */
export interface TaskContext {
  executionArn: string;
  stateName: string;
  correlationId(): string | undefined;
  /** This entry's `$$.Task.Token` (the one the Parameters read, or a fresh one). */
  token(): string;
}

/** Nested executions (states:startExecution), provided by the engine. */
export interface NestedExecutions {
  start(
    stateMachineArn: string,
    input: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }>;
  waitFor(executionArn: string): Promise<ExecutionView>;
}

/**
 * IAM: the state machine's role (`RoleArn`) is what AWS checks on its tasks. Lambda tasks
 * are checked here (lambda:InvokeFunction on the function); SDK integrations are sent,
 * signed with the machine's own access key, to the IAM gateway, which checks the call
 * against that role as it does a function's.
 */
export interface TaskIam {
  /** The IAM gateway's URL. */
  endpoint: string;
  account: string;
  /** The machine's access key (the gateway maps it to the machine's role). */
  accessKeyOf(machineName: string): string;
  /** undefined when the role allows the check, else AWS's AccessDenied message. */
  denied(
    machine: { name: string; roleArn: string },
    check: { action: string; resource: string },
  ): Promise<string | undefined>;
}

export interface TaskDeps {
  functions: FunctionRunner;
  tokens: TaskTokens;
  nested: NestedExecutions;
  awsEndpoint: string;
  region: string;
  iam?: TaskIam;
  /** The state machine running the task (its role, when IAM is enforced). */
  machine?: { name: string; roleArn: string };
}

export type TaskHandler = (input: Json, ctx: TaskContext) => Promise<unknown>;

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/;
const INTEGRATION = /^arn:aws[a-z-]*:states:::(.+?)(?:\.(waitForTaskToken|sync|sync:2))?$/;

/** The handler for a Task state, or the reason its Resource cannot run locally. */
export function taskHandler(state: TaskState, deps: TaskDeps): TaskHandler | { unsupported: string } {
  const resource = state.Resource;
  if (LAMBDA_ARN.test(resource)) {
    return (input, ctx) => invokeLambda(deps, resource, input, ctx);
  }
  const m = INTEGRATION.exec(resource);
  if (!m) return { unsupported: `Resource ${resource} (activities are not supported locally)` };
  const [, api = '', pattern] = m;

  let call: TaskHandler | undefined;
  if (api === 'lambda:invoke') call = (input, ctx) => lambdaInvoke(deps, input, ctx);
  else if (api === 'states:startExecution') call = (input) => startNested(deps, input, pattern);
  else {
    const sdk = sdkCall(api, deps);
    if ('unsupported' in sdk) return sdk;
    call = sdk.call;
  }
  if (pattern === 'waitForTaskToken') return withCallback(state, deps, call);
  if (pattern && api !== 'states:startExecution') {
    return { unsupported: `Resource ${resource} (.${pattern} is supported for states:startExecution only)` };
  }
  return call;
}

// ---------------------------------------------------------------------------- Lambda

async function runFunction(
  deps: TaskDeps,
  fn: string,
  payload: unknown,
  ctx: TaskContext,
): Promise<InvokeResult> {
  if (deps.iam && deps.machine) {
    const arn = functionArnOf(fn, deps.region, deps.iam.account);
    const message = await deps.iam.denied(deps.machine, { action: 'lambda:InvokeFunction', resource: arn });
    // What AWS reports when the role may not invoke: Lambda's AccessDeniedException,
    // surfaced by Step Functions as Lambda.AWSLambdaException (Retry / Catch see that name).
    if (message)
      throw new StatesError(
        'Lambda.AWSLambdaException',
        `${message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
  }
  if (!deps.functions.has(fn)) {
    throw new StatesError(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${fn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
    );
  }
  let result: InvokeResult;
  try {
    result = await deps.functions.invoke(fn, payload, { correlationId: ctx.correlationId() });
  } catch (error) {
    // The runner itself failed, not the function: what AWS reports as a Lambda service error.
    throw new StatesError('Lambda.ServiceException', (error as Error).message);
  }
  if (result.error) {
    const { errorType, errorMessage, trace } = result.error;
    throw new StatesError(
      errorType || 'Error',
      JSON.stringify({ errorMessage, errorType: errorType || 'Error', trace: trace ?? [] }),
    );
  }
  return result;
}

/** The ARN IAM checks for a function given by name, ARN or qualified ARN. */
function functionArnOf(fn: string, region: string, account: string): string {
  if (fn.startsWith('arn:')) return fn;
  const [name, qualifier] = fn.split(':');
  return `arn:aws:lambda:${region}:${account}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
}

async function invokeLambda(deps: TaskDeps, arn: string, input: Json, ctx: TaskContext): Promise<unknown> {
  return (await runFunction(deps, arn, input, ctx)).payload ?? null;
}

/** `arn:aws:states:::lambda:invoke`: Parameters are the Lambda Invoke API's. */
async function lambdaInvoke(deps: TaskDeps, params: Json, ctx: TaskContext): Promise<unknown> {
  const name = String(params?.FunctionName ?? '');
  const fn = params?.Qualifier ? `${name}:${params.Qualifier}` : name;
  const payload = typeof params?.Payload === 'string' ? tryParse(params.Payload) : (params?.Payload ?? {});
  const requestId = randomUUID();
  const wrap = (statusCode: number, body: unknown) => ({
    ExecutedVersion: '$LATEST',
    Payload: body,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-RequestId': [requestId],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
        'Content-Type': 'application/json',
      },
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  });
  if (params?.InvocationType === 'DryRun') return wrap(204, '');
  if (params?.InvocationType === 'Event') {
    // Fire and forget: the function's own failures are its business (and its DLQ's).
    runFunction(deps, fn, payload, ctx).catch(() => undefined);
    return wrap(202, '');
  }
  const result = await runFunction(deps, fn, payload, ctx);
  return wrap(200, result.payload ?? null);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------- callbacks

/**
 * `.waitForTaskToken`: the token is live before the work starts (the function may call
 * SendTaskSuccess before it returns); a failure to start fails the task unless the token
 * was already answered. With a static TimeoutSeconds the token closes when the engine
 * raises States.Timeout, so a late SendTaskSuccess gets TaskTimedOut as in AWS.
 */
function withCallback(state: TaskState, deps: TaskDeps, start: TaskHandler): TaskHandler {
  return async (input, ctx) => {
    const token = ctx.token();
    const waiting = deps.tokens.wait(
      token,
      { executionArn: ctx.executionArn, stateName: ctx.stateName },
      {
        heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
        closeAfterSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
      },
    );
    waiting.catch(() => undefined); // observed below; this only keeps an early failure from being "unhandled"
    try {
      await start(input, ctx);
    } catch (error) {
      if (!deps.tokens.isOpen(token)) return waiting; // already answered: that answer stands
      deps.tokens.close(token);
      throw error;
    }
    return waiting;
  };
}

// ------------------------------------------------------------- nested executions

async function startNested(deps: TaskDeps, params: Json, pattern: string | undefined): Promise<unknown> {
  const input =
    params?.Input === undefined
      ? '{}'
      : typeof params.Input === 'string'
        ? params.Input
        : JSON.stringify(params.Input);
  const started = await deps.nested.start(String(params?.StateMachineArn ?? ''), input, params?.Name);
  if (!pattern) return { ExecutionArn: started.executionArn, StartDate: started.startDate.toISOString() };
  const done = await deps.nested.waitFor(started.executionArn);
  const view = {
    ExecutionArn: done.executionArn,
    StateMachineArn: done.stateMachineArn,
    Name: done.name,
    Status: done.status,
    StartDate: done.startDate.getTime(),
    StopDate: done.stopDate?.getTime(),
    Input: pattern === 'sync:2' ? tryParse(done.input) : done.input,
    Output: pattern === 'sync:2' && done.output !== undefined ? tryParse(done.output) : done.output,
    Error: done.error,
    Cause: done.cause,
  };
  if (done.status !== 'SUCCEEDED') throw new StatesError('States.TaskFailed', JSON.stringify(view));
  return view;
}

// ------------------------------------------------------------- SDK integrations

interface SdkService {
  load: () => Promise<Record<string, unknown>>;
  client: string;
  /** Error-name prefixes: optimized integrations (`sqs:…`) and AWS SDK ones (`aws-sdk:sqs:…`). */
  optimized: string;
  sdk: string;
}

const SERVICES: Record<string, SdkService> = {
  sqs: { load: () => import('@aws-sdk/client-sqs'), client: 'SQSClient', optimized: 'SQS', sdk: 'Sqs' },
  sns: { load: () => import('@aws-sdk/client-sns'), client: 'SNSClient', optimized: 'SNS', sdk: 'Sns' },
  events: {
    load: () => import('@aws-sdk/client-eventbridge'),
    client: 'EventBridgeClient',
    optimized: 'EventBridge',
    sdk: 'EventBridge',
  },
  dynamodb: {
    load: () => import('@aws-sdk/client-dynamodb'),
    client: 'DynamoDBClient',
    optimized: 'DynamoDB',
    sdk: 'DynamoDb',
  },
};
SERVICES.eventbridge = SERVICES.events!;

type SdkClient = { send(command: unknown): Promise<Record<string, unknown>> };
const clients = new Map<string, Promise<{ client: SdkClient; mod: Record<string, unknown> }>>();

function sdkCall(api: string, deps: TaskDeps): { call: TaskHandler } | { unsupported: string } {
  const parts = api.split(':');
  const viaSdk = parts[0] === 'aws-sdk';
  const [serviceId = '', action = ''] = viaSdk ? parts.slice(1) : parts;
  const service = SERVICES[serviceId];
  if (!service || !action) {
    return { unsupported: `integration ${api} (local: lambda, sqs, sns, events, dynamodb, states)` };
  }
  const commandName = `${action[0]!.toUpperCase()}${action.slice(1)}Command`;
  const prefix = viaSdk ? service.sdk : service.optimized;
  const call: TaskHandler = async (params) => {
    // With IAM enforced the call goes to the gateway, signed with the machine's own key.
    const endpoint = deps.iam && deps.machine ? deps.iam.endpoint : deps.awsEndpoint;
    const accessKeyId = deps.iam && deps.machine ? deps.iam.accessKeyOf(deps.machine.name) : 'test';
    const key = `${service.client}@${endpoint}@${accessKeyId}`;
    if (!clients.has(key)) {
      clients.set(
        key,
        service.load().then((mod) => {
          const Ctor = mod[service.client] as new (config: object) => SdkClient;
          const client = new Ctor({
            endpoint,
            region: deps.region,
            credentials: { accessKeyId, secretAccessKey: 'test' },
            // SQS would send to the queue URL's host (moto): keep the calls on the gateway.
            ...(service.client === 'SQSClient' ? { useQueueUrlAsEndpoint: false } : {}),
          });
          return { client, mod };
        }),
      );
    }
    const { client, mod } = await clients.get(key)!;
    const Command = mod[commandName] as (new (input: unknown) => unknown) | undefined;
    if (!Command) throw new UncatchableError('States.Runtime', `No ${commandName} in ${service.client}`);
    let out: Record<string, unknown>;
    try {
      out = await client.send(new Command(viaSdk ? params : optimizedParams(serviceId, action, params)));
    } catch (error) {
      const name = (error as Error).name || 'Error';
      throw new StatesError(
        `${prefix}.${name.endsWith('Exception') ? name : `${name}Exception`}`,
        (error as Error).message,
      );
    }
    const { $metadata: _metadata, ...result } = out;
    if (!viaSdk && serviceId.startsWith('event') && Number(result.FailedEntryCount ?? 0) > 0) {
      throw new StatesError('EventBridge.FailedEntry', JSON.stringify(result));
    }
    return JSON.parse(JSON.stringify(result));
  };
  return { call };
}

/** Optimized integrations accept JSON where the API wants a string (message bodies, event details). */
function optimizedParams(service: string, action: string, params: Json): Json {
  const str = (v: unknown) => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v));
  if (service === 'sqs' && action === 'sendMessage')
    return { ...params, MessageBody: str(params?.MessageBody) };
  if (service === 'sns' && action === 'publish') return { ...params, Message: str(params?.Message) };
  if (service.startsWith('event') && action === 'putEvents') {
    return {
      ...params,
      Entries: (params?.Entries ?? []).map((e: Json) => ({ ...e, Detail: str(e?.Detail) })),
    };
  }
  return params;
}
