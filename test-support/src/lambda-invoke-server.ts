/**
 * A tiny local implementation of the Lambda `Invoke` HTTP API, for component tests of
 * internal APIs (P09) and handoffs (P10). moto cannot run functions (it needs Docker),
 * so tests register in-process handlers by function name and point the real AWS SDK at
 * this server with `AWS_ENDPOINT_URL_LAMBDA` (or `endpoint`). The SDK, its signing, its
 * serialisation and its error parsing all run for real; only the function runtime is
 * replaced by a direct call.
 *
 * Implemented: `POST /2015-03-31/functions/{name}/invocations` with
 * - `X-Amz-Invocation-Type: RequestResponse` (default): 200 with the handler's result
 *   as JSON, or 200 + `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage,
 *   trace }` when the handler throws (errorType = the error's `name`, as the Node.js
 *   runtime reports it), or `Sandbox.Timedout` when the handler outlives its timeout;
 * - `Event`: 202 at once, the handler runs afterwards (its outcome is recorded);
 * - `DryRun`: 204;
 * - an unknown function: 404 `ResourceNotFoundException`.
 * `{name}` may be a name, a full ARN or a partial ARN, with or without a qualifier.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';

export type InvokeHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;

export interface FunctionOptions {
  /** Like the function's configured timeout: after it, the call fails with Sandbox.Timedout. */
  timeoutMs?: number;
  /**
   * Runs `Event` invocations instead of the handler (after the 202), e.g. with Lambda's
   * async retry and destination semantics (lambda-async.ts). The local runner uses it.
   */
  onEvent?: (payload: unknown) => Promise<unknown>;
}

export interface InvocationRecord {
  functionName: string;
  invocationType: 'RequestResponse' | 'Event' | 'DryRun';
  payload: unknown;
  outcome: 'success' | 'error' | 'pending';
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
}

export interface LambdaInvokeServer {
  /** Base URL to use as `AWS_ENDPOINT_URL_LAMBDA` or a LambdaClient `endpoint`. */
  url: string;
  register(functionName: string, handler: InvokeHandler, opts?: FunctionOptions): void;
  /** Every invocation so far, in arrival order. */
  invocations: InvocationRecord[];
  /** Resolves once every `Event` invocation started so far has finished. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** `my-fn`, `my-fn:alias`, `123:function:my-fn`, `arn:aws:lambda:r:123:function:my-fn[:q]`, API Gateway's `…/functions/<arn>/invocations` -> `my-fn`. */
export function functionNameOf(raw: string): string {
  // API Gateway's integration URI wraps the ARN: `…/functions/<arn>/invocations`.
  const decoded = decodeURIComponent(raw)
    .replace(/^.*\/functions\//, '')
    .replace(/\/invocations$/, '');
  const parts = decoded.split(':');
  const at = parts.indexOf('function');
  if (at >= 0 && parts[at + 1]) return parts[at + 1]!;
  return parts[0]!;
}

function fakeContext(functionName: string, deadline: number): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorPayload(error: unknown) {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: e.name || 'Error',
    errorMessage: e.message,
    trace: (e.stack ?? '').split('\n'),
  };
}

class TimedOut extends Error {
  override name = 'Sandbox.Timedout';
}

export async function startLambdaInvokeServer(
  initial: Record<string, InvokeHandler> = {},
  /** keepInvocations: false for a long-running server (the local runner): nothing is recorded. */
  opts: { keepInvocations?: boolean } = {},
): Promise<LambdaInvokeServer> {
  const functions = new Map<
    string,
    { handler: InvokeHandler; timeoutMs: number; onEvent?: FunctionOptions['onEvent'] }
  >();
  const invocations: InvocationRecord[] = [];
  const pending = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();

  const register = (name: string, handler: InvokeHandler, opts: FunctionOptions = {}) => {
    functions.set(name, { handler, timeoutMs: opts.timeoutMs ?? 6_000, onEvent: opts.onEvent });
  };
  for (const [name, handler] of Object.entries(initial)) register(name, handler);

  /** Runs a handler as the runtime would: bounded by the function timeout. */
  const run = (name: string, payload: unknown): Promise<unknown> => {
    const fn = functions.get(name)!;
    const deadline = Date.now() + fn.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimedOut(`Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`)),
        fn.timeoutMs,
      );
      timers.add(timer);
    });
    const call = Promise.resolve().then(() => fn.handler(payload, fakeContext(name, deadline)));
    return Promise.race([call, timeout]).finally(() => {
      if (timer) {
        clearTimeout(timer);
        timers.delete(timer);
      }
    });
  };

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = req.method === 'POST' ? PATH.exec(url.pathname) : null;
    if (!match) {
      send(
        res,
        404,
        JSON.stringify({ Type: 'User', message: `No route for ${req.method} ${url.pathname}` }),
        {
          'x-amzn-errortype': 'ResourceNotFoundException',
        },
      );
      return;
    }
    const name = functionNameOf(match[1]!);
    const raw = await readBody(req);
    if (!functions.has(name)) {
      send(
        res,
        404,
        JSON.stringify({
          Type: 'User',
          Message: `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
        }),
        {
          'x-amzn-errortype': 'ResourceNotFoundException',
        },
      );
      return;
    }
    let payload: unknown;
    try {
      payload = raw === '' ? {} : JSON.parse(raw);
    } catch {
      send(res, 400, JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }), {
        'x-amzn-errortype': 'InvalidRequestContentException',
      });
      return;
    }
    const type = (req.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
    if (type === 'DryRun') {
      if (opts.keepInvocations !== false)
        invocations.push({ functionName: name, invocationType: 'DryRun', payload, outcome: 'success' });
      send(res, 204, '');
      return;
    }
    const record: InvocationRecord = {
      functionName: name,
      invocationType: type === 'Event' ? 'Event' : 'RequestResponse',
      payload,
      outcome: 'pending',
    };
    if (opts.keepInvocations !== false) invocations.push(record);
    if (record.invocationType === 'Event') {
      send(res, 202, '');
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => (functions.get(name)!.onEvent ?? ((p: unknown) => run(name, p)))(payload))
        .then(
          (result) => Object.assign(record, { outcome: 'success', result }),
          (error: unknown) => Object.assign(record, { outcome: 'error', error: errorPayload(error) }),
        );
      pending.add(p);
      void p.finally(() => pending.delete(p));
      return;
    }
    try {
      const result = await run(name, payload);
      Object.assign(record, { outcome: 'success', result });
      if (!res.destroyed)
        send(res, 200, JSON.stringify(result ?? null), { 'x-amz-executed-version': '$LATEST' });
    } catch (error) {
      const body = errorPayload(error);
      Object.assign(record, {
        outcome: 'error',
        error: { errorType: body.errorType, errorMessage: body.errorMessage },
      });
      if (!res.destroyed)
        send(res, 200, JSON.stringify(body), {
          'x-amz-function-error': 'Unhandled',
          'x-amz-executed-version': '$LATEST',
        });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ message: String(error) }), {
          'x-amzn-errortype': 'ServiceException',
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    register,
    invocations,
    drain: async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
