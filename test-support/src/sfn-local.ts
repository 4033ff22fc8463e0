/**
 * Runs a packaged state machine locally (aws-local-stepfunctions), its Task states bound
 * to real handlers, plus a local stand-in for the three Step Functions API calls a
 * callback task needs (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat), so that
 * production code resumes a `.waitForTaskToken` task through the real AWS SDK.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadTemplate, resource } from './template';

// The ASL as packaged: `Fn::Sub` over the definition, with `${name}` placeholders for
// ARNs that CloudFormation fills in. Placeholders become recognisable fake ARNs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadStateMachineDefinition(stack: string, logicalId: string): Record<string, any> {
  const def = resource(loadTemplate(stack), logicalId).Properties?.DefinitionString;
  const [text] = (typeof def === 'string' ? [def] : def['Fn::Sub']) as [string];
  const resolved = text.replace(/\$\{([A-Za-z0-9_.:]+)\}/g, (_m, name: string) =>
    name.startsWith('AWS::') ? 'aws' : `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
  );
  return JSON.parse(resolved);
}

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Waiter {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

/** A local endpoint for the task-token calls; point AWS_ENDPOINT_URL_SFN at `url`. */
export class TaskTokenBroker {
  private readonly waiters = new Map<string, Waiter>();
  private server?: Server;
  url = '';
  calls = { success: 0, failure: 0, unknownToken: 0, refused: 0 };
  private refuseSuccess = 0;

  /** The next `n` SendTaskSuccess calls fail as a Step Functions outage would (HTTP 500). */
  failNextSuccess(n: number): void {
    this.refuseSuccess = n;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const input = JSON.parse(body || '{}') as {
          taskToken: string;
          output?: string;
          error?: string;
          cause?: string;
        };
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(payload));
        };
        const waiter = this.waiters.get(input.taskToken);
        if (!waiter) {
          this.calls.unknownToken++;
          return reply(400, {
            __type: 'com.amazonaws.swf.service.v2.model#TaskDoesNotExist',
            message: 'Task does not exist anymore',
          });
        }
        if (target.endsWith('.SendTaskSuccess') && this.refuseSuccess > 0) {
          this.refuseSuccess--;
          this.calls.refused++;
          return reply(500, { __type: 'ServiceUnavailable', message: 'Injected by the test: try again' });
        }
        if (target.endsWith('.SendTaskSuccess')) {
          this.calls.success++;
          this.waiters.delete(input.taskToken);
          waiter.resolve(JSON.parse(input.output ?? 'null'));
        } else if (target.endsWith('.SendTaskFailure')) {
          this.calls.failure++;
          this.waiters.delete(input.taskToken);
          waiter.reject(new TaskError(input.error ?? 'States.TaskFailed', input.cause ?? ''));
        } else if (!target.endsWith('.SendTaskHeartbeat')) {
          return reply(400, { __type: 'UnknownOperationException', message: target });
        }
        reply(200, {});
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** Waits for the token to be resolved through the API; forgotten if the task times out. */
  wait(token: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiters.set(token, { resolve, reject }));
  }

  forget(token: string): void {
    this.waiters.delete(token);
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

export type LocalTask = (input: any) => Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RunOptions {
  /** State name → the real handler that state's resource points at. */
  tasks: Record<string, LocalTask>;
  /** State names whose `.waitForTaskToken` handler is called, then the run waits on the broker. */
  callbacks?: Record<string, LocalTask>;
  broker?: TaskTokenBroker;
  executionName?: string;
  /** State name → retry pause in ms (0 to retry at once); the ASL's back-off is not re-tested here. */
  retryIntervalOverrides?: Record<string, number>;
}

export interface ExecutionResult {
  output: unknown;
  error?: Error;
  executionId: string;
}

/** Runs one execution to its end; never throws for a failed execution (the result carries it). */
export async function runExecution(
  definition: Record<string, unknown>,
  input: unknown,
  opts: RunOptions,
): Promise<ExecutionResult> {
  const executionId = `arn:aws:states:us-east-1:123456789012:execution:local:${opts.executionName ?? randomUUID()}`;
  const token = `token-${randomUUID()}`;
  const handlers: Record<string, LocalTask> = { ...opts.tasks };
  for (const [state, fn] of Object.entries(opts.callbacks ?? {})) {
    handlers[state] = async (taskInput: { Payload?: unknown }) => {
      const waiting = opts.broker!.wait(token);
      try {
        await fn(taskInput.Payload ?? taskInput);
      } catch (error) {
        opts.broker!.forget(token);
        throw error;
      }
      return waiting;
    };
  }
  const machine = new StateMachine(
    definition as never,
    { validationOptions: { checkPaths: true, checkArn: false } } as never,
  );
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: (opts.retryIntervalOverrides ?? {}) as never,
    },
    context: {
      Execution: { Id: executionId, Input: input, StartTime: new Date().toISOString() },
      Task: { Token: token },
    } as never,
  });
  try {
    return { output: await execution.result, executionId };
  } catch (error) {
    return { output: undefined, error: error as Error, executionId };
  } finally {
    opts.broker?.forget(token);
  }
}
