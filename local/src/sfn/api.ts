/**
 * The Step Functions API over HTTP, AWS JSON 1.0 protocol: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body; errors are HTTP 400
 * `{"__type": "<Exception>", "message": "…"}`, which the AWS SDK raises as its typed
 * exceptions (TaskTimedOut, ExecutionAlreadyExists, …). Dates are epoch seconds.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Json } from './asl';
import { SfnApiError, type ExecutionView, type StepFunctionsEngine } from './engine';

type Operation = (engine: StepFunctionsEngine, body: Json) => unknown;

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

function required(body: Json, field: string): string {
  const value = body?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new SfnApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** `nextToken` is the offset of the next page. */
function page<T>(items: T[], body: Json, defaultSize = 100): { items: T[]; nextToken?: string } {
  const size = Math.min(Number(body?.maxResults) || defaultSize, 1000);
  const from = body?.nextToken ? Number(body.nextToken) : 0;
  if (!Number.isInteger(from) || from < 0)
    throw new SfnApiError('InvalidToken', `Invalid Token: '${body.nextToken}'`);
  const slice = items.slice(from, from + size);
  return { items: slice, nextToken: from + size < items.length ? String(from + size) : undefined };
}

function listItem(e: ExecutionView) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: epoch(e.startDate),
    stopDate: epoch(e.stopDate),
  };
}

function answerToken(result: 'ok' | 'closed' | 'unknown', token: string): Json {
  if (result === 'closed') {
    throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
  }
  if (result === 'unknown') throw new SfnApiError('InvalidToken', `Invalid Token: '${token.slice(0, 40)}'`);
  return {};
}

const operations: Record<string, Operation> = {
  async StartExecution(engine, body) {
    const out = await engine.startExecution(required(body, 'stateMachineArn'), body.input ?? '{}', body.name);
    return { executionArn: out.executionArn, startDate: epoch(out.startDate) };
  },
  // StartSyncExecution is for EXPRESS machines; here it runs to the end like any other.
  async StartSyncExecution(engine, body) {
    const out = await engine.startExecution(required(body, 'stateMachineArn'), body.input ?? '{}', body.name);
    const e = await engine.waitFor(out.executionArn, 5 * 60_000);
    return { ...listItem(e), input: e.input, output: e.output, error: e.error, cause: e.cause };
  },
  DescribeExecution(engine, body) {
    const e = engine.describeExecution(required(body, 'executionArn'));
    return {
      ...listItem(e),
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output === undefined ? undefined : { included: true },
      error: e.error,
      cause: e.cause,
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  },
  ListExecutions(engine, body) {
    const arn = required(body, 'stateMachineArn');
    engine.machine(arn); // StateMachineDoesNotExist for an unknown machine
    const all = engine.executions(arn).filter((e) => !body.statusFilter || e.status === body.statusFilter);
    const { items, nextToken } = page(all, body);
    return { executions: items.map(listItem), nextToken };
  },
  StopExecution(engine, body) {
    const out = engine.stopExecution(required(body, 'executionArn'), body.error, body.cause);
    return { stopDate: epoch(out.stopDate) };
  },
  GetExecutionHistory(engine, body) {
    const includeData = body.includeExecutionData !== false;
    let events = engine.history(required(body, 'executionArn')).map((e) => {
      const wire: Json = { ...e, timestamp: epoch(e.timestamp) };
      if (!includeData) {
        for (const [key, value] of Object.entries(wire)) {
          if (key.endsWith('EventDetails') && value && typeof value === 'object') {
            const { input: _i, output: _o, parameters: _p, ...rest } = value as Json;
            wire[key] = rest;
          }
        }
      }
      return wire;
    });
    if (body.reverseOrder) events = events.reverse();
    const { items, nextToken } = page(events, body);
    return { events: items, nextToken };
  },
  SendTaskSuccess(engine, body) {
    const token = required(body, 'taskToken');
    let output: unknown;
    try {
      output = JSON.parse(required(body, 'output'));
    } catch (error) {
      if (error instanceof SfnApiError) throw error;
      throw new SfnApiError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
    }
    return answerToken(engine.tokens.succeed(token, output), token);
  },
  SendTaskFailure(engine, body) {
    const token = required(body, 'taskToken');
    return answerToken(engine.tokens.fail(token, body.error ?? '', body.cause ?? ''), token);
  },
  SendTaskHeartbeat(engine, body) {
    const token = required(body, 'taskToken');
    return answerToken(engine.tokens.heartbeat(token), token);
  },
  DescribeStateMachine(engine, body) {
    const m = engine.machine(required(body, 'stateMachineArn'));
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: epoch(m.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  },
  ListStateMachines(engine, body) {
    const all = [...engine.machines.values()].map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: m.type,
      creationDate: epoch(m.creationDate),
    }));
    const { items, nextToken } = page(all, body);
    return { stateMachines: items, nextToken };
  },
};

/** Serves the engine's API; resolves with the server once it listens. */
export async function serveApi(engine: StepFunctionsEngine, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    void handle(engine, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

async function handle(engine: StepFunctionsEngine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const reply = (status: number, payload: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
    });
    res.end(JSON.stringify(payload));
  };
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AWSStepFunctions.') ? operations[target.slice(17)] : undefined;
  if (!operation) {
    return reply(400, { __type: 'UnknownOperationException', message: `Unknown operation: '${target}'` });
  }
  try {
    let body: Json;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
    }
    reply(200, (await operation(engine, body)) ?? {});
  } catch (error) {
    if (error instanceof SfnApiError) return reply(400, { __type: error.type, message: error.message });
    reply(500, { __type: 'InternalFailure', message: (error as Error).message });
  }
}
