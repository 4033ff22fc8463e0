/**
 * Fakes for the Step Functions tests: a FunctionRunner over plain functions, a log that
 * keeps its lines, a state machine resource as the runner resolves it, and an SDK client
 * pointed at the local endpoint.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { FunctionRunner, LocalResource, LogSink } from '../types';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

/** An error as a handler throws it: `name` becomes the invocation's errorType. */
export class FakeError extends Error {
  constructor(name: string, message = `${name} happened`) {
    super(message);
    this.name = name;
  }
}

export type FakeFunction = (event: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FakeFunctions extends FunctionRunner {
  calls: { name: string; event: unknown }[];
  callsOf(name: string): unknown[];
}

/** Functions by name; reachable by name or (qualified) function ARN, like the real runner. */
export function fakeFunctions(fns: Record<string, FakeFunction>): FakeFunctions {
  const nameOf = (nameOrArn: string) => {
    const m = /:function:([^:]+)/.exec(nameOrArn);
    return m ? m[1]! : nameOrArn;
  };
  const calls: { name: string; event: unknown }[] = [];
  return {
    calls,
    callsOf: (name) => calls.filter((c) => c.name === name).map((c) => c.event),
    has: (nameOrArn) => nameOf(nameOrArn) in fns,
    async invoke(nameOrArn, event) {
      const name = nameOf(nameOrArn);
      calls.push({ name, event });
      const started = Date.now();
      try {
        const payload = JSON.parse(JSON.stringify((await fns[name]!(event)) ?? null));
        return { payload, durationMs: Date.now() - started, coldStart: false };
      } catch (error) {
        const e = error as Error;
        return {
          payload: null,
          error: { errorType: e.name, errorMessage: e.message, trace: [`${e.name}: ${e.message}`] },
          durationMs: Date.now() - started,
          coldStart: false,
        };
      }
    },
  };
}

export interface MemoryLog extends LogSink {
  lines: { source: string; message: string; correlationId?: string }[];
  messages(source?: string): string[];
}

export function memoryLog(): MemoryLog {
  const lines: MemoryLog['lines'] = [];
  return {
    lines,
    line: (source, message, correlationId) => lines.push({ source, message, correlationId }),
    messages: (source) => lines.filter((l) => !source || l.source === source).map((l) => l.message),
  };
}

/** An AWS::StepFunctions::StateMachine resource with its intrinsics resolved, as the runner passes it. */
export function stateMachineResource(name: string, definition: object | string): LocalResource {
  const arn = machineArn(name);
  return {
    stack: 'services/test',
    service: 'op-test',
    logicalId: `${name}StateMachine`,
    type: 'AWS::StepFunctions::StateMachine',
    properties: {
      StateMachineName: name,
      DefinitionString: typeof definition === 'string' ? definition : JSON.stringify(definition),
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}-role`,
    },
    physicalId: arn,
    attributes: { Arn: arn, Name: name },
  };
}

export function sfnClient(url: string): SFNClient {
  return new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Polls until `check` holds (a callback task is waiting, an execution has a status, …). */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
