/**
 * A local Step Functions service for the runner: the packaged state machines executed by
 * aws-local-stepfunctions (Task states bound to the runner's functions, see tasks.ts),
 * behind the Step Functions API (api.ts), so production code using @aws-sdk/client-sfn
 * with AWS_ENDPOINT_URL_SFN=url works unchanged: StartExecution, SendTaskSuccess, …
 */
import type { AddressInfo } from 'node:net';
import { serveApi } from './api';
import { StepFunctionsEngine, type EngineOptions, type ExecutionView } from './engine';

export type { ExecutionStatus, ExecutionView, HistoryEvent } from './engine';

export interface StepFunctionsOptions extends EngineOptions {
  /** Defaults: 127.0.0.1 and a free port. */
  host?: string;
  port?: number;
}

export interface LocalStepFunctions {
  /** The endpoint for AWS_ENDPOINT_URL_SFN. */
  url: string;
  startExecution(
    stateMachineArn: string,
    input: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }>;
  /** Throws ExecutionDoesNotExist for an unknown ARN. */
  describeExecution(executionArn: string): ExecutionView;
  /** Newest first. */
  executions(stateMachineArn?: string): ExecutionView[];
  /** Resolves when the execution stops (or rejects after timeoutMs, 60 s by default). */
  waitFor(executionArn: string, timeoutMs?: number): Promise<ExecutionView>;
  /** The state machine whose execution issued a task token (IAM checks SendTask* on it). */
  stateMachineOfTaskToken(token: string): string | undefined;
  /** Aborts running executions and stops serving. */
  close(): Promise<void>;
}

export async function startStepFunctions(opts: StepFunctionsOptions): Promise<LocalStepFunctions> {
  const engine = new StepFunctionsEngine(opts);
  const host = opts.host ?? '127.0.0.1';
  const server = await serveApi(engine, host, opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.log.line('sfn', `Step Functions API on ${url} (${engine.machines.size} state machines)`);
  return {
    url,
    startExecution: (arn, input, name) => engine.startExecution(arn, input, name),
    describeExecution: (arn) => engine.describeExecution(arn),
    executions: (arn) => engine.executions(arn),
    waitFor: (arn, timeoutMs) => engine.waitFor(arn, timeoutMs),
    stateMachineOfTaskToken(token) {
      const execution = engine.tokens.executionOf(token);
      // arn:aws:states:<region>:<account>:execution:<machine>:<name>
      return execution?.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1');
    },
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
