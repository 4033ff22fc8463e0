/**
 * The local Step Functions service behind the API: the state machines of the packaged
 * stacks, their executions (run by aws-local-stepfunctions, Task states bound to
 * tasks.ts), each execution's status and history, and the task tokens callbacks use.
 * Executions live in memory for the life of the runner.
 */
import './polyfill';
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import type { FunctionRunner, LocalResource, LogSink } from '../types';
import { definitionText, stateTypes, taskStates, withTaskTimeouts, type Json, type TaskState } from './asl';
import { taskHandler, type TaskContext, type TaskHandler, type TaskIam } from './tasks';
import { TaskTokens, UncatchableError } from './tokens';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** An execution as DescribeExecution reports it (input and output as JSON text). */
export interface ExecutionView {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
}

/** One GetExecutionHistory event: `<type>EventDetails` holds its details, as in the API. */
export interface HistoryEvent {
  timestamp: Date;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** A Step Functions API error: `type` is the `__type` the SDK turns into its exception class. */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export interface Machine {
  arn: string;
  name: string;
  type: string;
  roleArn: string;
  /** The definition as deployed (DescribeStateMachine returns it). */
  definition: string;
  creationDate: Date;
  /** Why it cannot run, when the engine rejected its definition. */
  invalid?: string;
  engine?: StateMachine;
  tasks: Map<string, TaskState>;
  handlers: Map<string, TaskHandler | { unsupported: string }>;
  types: Map<string, string>;
  retryIntervals: Record<string, number>;
}

interface Execution {
  view: ExecutionView;
  machine: Machine;
  history: HistoryEvent[];
  correlationId?: string;
  abort?: () => void;
  /** Settles when the execution has stopped and its history is complete. */
  done: Promise<void>;
  stopRequest?: { error?: string; cause?: string };
  /** Each Task's last Parameters, for the TaskScheduled event. */
  parameters: Map<string, unknown>;
}

export interface EngineOptions {
  stateMachines: LocalResource[];
  functions: FunctionRunner;
  awsEndpoint: string;
  region: string;
  accountId: string;
  log: LogSink;
  /** Replaces every Retry back-off with this many milliseconds (tests; the ASL's back-off otherwise). */
  retryIntervalMs?: number;
  /** IAM: each state machine's own role enforced on its tasks (absent: not enforced). */
  iam?: TaskIam;
}

type EngineRun = ReturnType<StateMachine['run']>;
type EngineEvent = EngineRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Execution names: 1 to 80 characters, no whitespace, brackets, wildcards, control or special characters. */
function validName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 80 &&
    !/[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(name) &&
    ![...name].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))
  );
}

export class StepFunctionsEngine {
  readonly machines = new Map<string, Machine>();
  readonly tokens = new TaskTokens();
  private readonly executionsByArn = new Map<string, Execution>();

  constructor(private readonly opts: EngineOptions) {
    for (const resource of opts.stateMachines) this.register(resource);
  }

  // ------------------------------------------------------------------ machines

  private register(resource: LocalResource): void {
    const arn = resource.physicalId;
    const name =
      resource.attributes.Name ?? resource.properties.StateMachineName ?? arn.split(':').pop() ?? arn;
    const text = definitionText(resource);
    const machine: Machine = {
      arn,
      name,
      type: resource.properties.StateMachineType ?? 'STANDARD',
      roleArn: resource.properties.RoleArn ?? `arn:aws:iam::${this.opts.accountId}:role/${name}-role`,
      definition: text,
      creationDate: new Date(),
      tasks: new Map(),
      handlers: new Map(),
      types: new Map(),
      retryIntervals: {},
    };
    this.machines.set(arn, machine);
    let definition: Json;
    try {
      definition = JSON.parse(text);
      machine.engine = new StateMachine(withTaskTimeouts(definition), {
        validationOptions: { checkArn: false, checkPaths: true },
      });
    } catch (error) {
      machine.invalid = (error as Error).message;
      this.opts.log.line(`sfn/${name}`, `Cannot run this state machine: ${machine.invalid}`);
      return;
    }
    machine.tasks = taskStates(definition);
    machine.types = stateTypes(definition);
    for (const [stateName, state] of machine.tasks) {
      const handler = taskHandler(state, {
        functions: this.opts.functions,
        tokens: this.tokens,
        nested: {
          start: (arn, input, name) => this.startExecution(arn, input, name),
          waitFor: (arn) => this.waitFor(arn, 2 ** 31 - 1),
        },
        awsEndpoint: this.opts.awsEndpoint,
        region: this.opts.region,
        ...(this.opts.iam ? { iam: this.opts.iam, machine: { name, roleArn: machine.roleArn } } : {}),
      });
      if ('unsupported' in handler) {
        this.opts.log.line(
          `sfn/${name}`,
          `${stateName} will fail when run: unsupported ${handler.unsupported}`,
        );
      }
      machine.handlers.set(stateName, handler);
    }
    if (this.opts.retryIntervalMs !== undefined) {
      for (const [stateName] of machine.types) machine.retryIntervals[stateName] = this.opts.retryIntervalMs;
    }
  }

  machine(arn: string): Machine {
    if (!/^arn:aws[a-z-]*:states:[^:]+:\d{12}:stateMachine:[^:]+/.test(arn)) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  // ---------------------------------------------------------------- executions

  /**
   * Starts an execution. As for AWS standard workflows, a name is unique per machine: the
   * same name and input as a RUNNING execution returns that execution; any other reuse
   * is ExecutionAlreadyExists.
   */
  async startExecution(
    stateMachineArn: string,
    input = '{}',
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }> {
    const machine = this.machine(stateMachineArn);
    const execName = name ?? randomUUID();
    if (!validName(execName)) throw new SfnApiError('InvalidName', `Invalid Name: '${execName}'`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new SfnApiError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${execName}`;
    const existing = this.executionsByArn.get(executionArn);
    if (existing) {
      if (existing.view.status === 'RUNNING' && existing.view.input === input) {
        return { executionArn, startDate: existing.view.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    if (!machine.engine) {
      throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: '${machine.invalid}'`);
    }
    const startDate = new Date();
    let finished!: () => void;
    const execution: Execution = {
      view: {
        executionArn,
        stateMachineArn: machine.arn,
        name: execName,
        status: 'RUNNING',
        input,
        startDate,
      },
      machine,
      history: [],
      correlationId: findCorrelationId(parsed),
      done: new Promise<void>((r) => (finished = r)),
      parameters: new Map(),
    };
    this.executionsByArn.set(executionArn, execution);
    this.record(execution, 'ExecutionStarted', {
      input,
      inputDetails: { truncated: false },
      roleArn: machine.roleArn,
    });
    this.log(execution, `Started execution ${execName}`);

    const run = machine.engine.run(parsed as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(execution) as never,
        retryIntervalOverrides: machine.retryIntervals,
      },
      context: this.contextFor(execution) as never,
    });
    execution.abort = run.abort;
    const events = (async () => {
      for await (const event of run.eventLogs) this.onEvent(execution, event);
    })();
    const outcome = run.result.then(
      (output) => ({ output }),
      (error: Error) => ({ error }),
    );
    void Promise.all([outcome, events]).then(([result]) => {
      this.finish(execution, result);
      finished();
    });
    return { executionArn, startDate };
  }

  /**
   * The context object. `$$.Task.Token` is a getter: the Task's Parameters read it just
   * before its handler is called (synchronously, aws-local-stepfunctions does not await
   * between the two), so each task entry, retries included, gets a fresh token.
   */
  private pendingTokens = new WeakMap<Execution, string | undefined>();

  private contextFor(execution: Execution): Json {
    const { view, machine } = execution;
    const tokens = this.tokens;
    const pending = this.pendingTokens;
    return {
      Execution: {
        Id: view.executionArn,
        Name: view.name,
        RoleArn: machine.roleArn,
        StartTime: view.startDate.toISOString(),
        RedriveCount: 0,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: {
        get Token(): string {
          let token = pending.get(execution);
          if (!token) pending.set(execution, (token = tokens.issue()));
          return token;
        },
      },
    };
  }

  private handlersFor(execution: Execution): Record<string, (input: Json) => Promise<unknown>> {
    const handlers: Record<string, (input: Json) => Promise<unknown>> = {};
    for (const [stateName, handler] of execution.machine.handlers) {
      handlers[stateName] = async (input) => {
        // Synchronously first: claim the token the Parameters just produced, if any.
        const token = this.pendingTokens.get(execution);
        this.pendingTokens.delete(execution);
        execution.parameters.set(stateName, input);
        if ('unsupported' in handler) throw new UncatchableError('States.Runtime', handler.unsupported);
        const ctx: TaskContext = {
          executionArn: execution.view.executionArn,
          stateName,
          correlationId: () => execution.correlationId,
          token: () => token ?? this.tokens.issue(),
        };
        return handler(input, ctx);
      };
    }
    return handlers;
  }

  /** Stops a running execution: ABORTED at once; its pending callbacks are cancelled. */
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const execution = this.execution(executionArn);
    if (execution.view.status === 'RUNNING') {
      execution.stopRequest = { error, cause };
      Object.assign(execution.view, { status: 'ABORTED', stopDate: new Date(), error, cause });
      execution.abort?.();
      this.tokens.closeExecution(executionArn, new UncatchableError('States.Aborted', 'Execution stopped'));
    }
    return { stopDate: execution.view.stopDate ?? new Date() };
  }

  private finish(execution: Execution, result: { output?: unknown; error?: Error }): void {
    const { view } = execution;
    this.tokens.closeExecution(
      view.executionArn,
      new UncatchableError('States.Aborted', 'The execution has ended'),
    );
    if (!result.error) {
      Object.assign(view, { status: 'SUCCEEDED', output: JSON.stringify(result.output ?? null) });
      this.record(execution, 'ExecutionSucceeded', {
        output: view.output,
        outputDetails: { truncated: false },
      });
    } else if (result.error instanceof ExecutionAbortedError || execution.stopRequest) {
      Object.assign(view, { status: 'ABORTED', ...execution.stopRequest });
      this.record(execution, 'ExecutionAborted', { error: view.error, cause: view.cause });
    } else if (result.error instanceof ExecutionTimeoutError) {
      Object.assign(view, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out' });
      this.record(execution, 'ExecutionTimedOut', { error: view.error, cause: view.cause });
    } else {
      const cause = result.error instanceof ExecutionError ? (result.error.cause as Error) : result.error;
      Object.assign(view, { status: 'FAILED', error: cause.name, cause: cause.message });
      this.record(execution, 'ExecutionFailed', { error: view.error, cause: view.cause });
    }
    view.stopDate ??= new Date();
    const detail = view.error ? `: ${view.error}${view.cause ? ` (${truncate(view.cause)})` : ''}` : '';
    this.log(execution, `Execution ${view.name} ${view.status}${detail}`);
  }

  execution(executionArn: string): Execution {
    const execution = this.executionsByArn.get(executionArn);
    if (!execution) {
      throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    return execution;
  }

  describeExecution(executionArn: string): ExecutionView {
    return { ...this.execution(executionArn).view };
  }

  /** Newest first, as ListExecutions returns them. */
  executions(stateMachineArn?: string): ExecutionView[] {
    return [...this.executionsByArn.values()]
      .filter((e) => !stateMachineArn || e.view.stateMachineArn === stateMachineArn)
      .map((e) => ({ ...e.view }))
      .reverse();
  }

  history(executionArn: string): HistoryEvent[] {
    return this.execution(executionArn).history;
  }

  async waitFor(executionArn: string, timeoutMs = 60_000): Promise<ExecutionView> {
    const execution = this.execution(executionArn);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`Execution ${executionArn} still ${execution.view.status} after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([execution.done, timeout]);
      return { ...execution.view };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every running execution (the runner is shutting down). */
  async close(): Promise<void> {
    const running = [...this.executionsByArn.values()].filter((e) => e.view.status === 'RUNNING');
    for (const e of running)
      this.stopExecution(e.view.executionArn, 'Local.Shutdown', 'The local runner stopped');
    this.tokens.closeAll(new UncatchableError('States.Aborted', 'The local runner stopped'));
    await Promise.race([Promise.all(running.map((e) => e.done)), new Promise((r) => setTimeout(r, 1_000))]);
  }

  // ------------------------------------------------------- history and logging

  private record(
    execution: Execution,
    type: string,
    details?: Record<string, unknown>,
    at = new Date(),
  ): void {
    const { history } = execution;
    const event: HistoryEvent = {
      timestamp: at,
      type,
      id: history.length + 1,
      previousEventId: history.length,
    };
    if (details) event[`${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`] = details;
    history.push(event);
  }

  private log(execution: Execution, message: string): void {
    this.opts.log.line(`sfn/${execution.machine.name}`, message, execution.correlationId);
  }

  /** Turns the engine's events into AWS history events and log lines. */
  private onEvent(execution: Execution, event: EngineEvent): void {
    const at = new Date(event.timestamp);
    if (!('state' in event)) {
      if (
        event.type === 'MapIterationStarted' ||
        event.type === 'MapIterationSucceeded' ||
        event.type === 'MapIterationFailed'
      ) {
        this.record(execution, event.type, { name: event.parentState.name, index: event.index }, at);
      }
      return; // Execution* events: finish() records them with the final status.
    }
    const { name, type: stateType, input } = event.state;
    const task = execution.machine.tasks.get(name);
    const kind = task ? resourceKind(task.Resource) : undefined;
    switch (event.type) {
      case 'StateEntered': {
        execution.correlationId ??= findCorrelationId(input);
        this.record(execution, `${stateType}StateEntered`, { name, input: JSON.stringify(input) }, at);
        if (task && kind) this.recordScheduled(execution, name, task, kind, at);
        if (['Task', 'Map', 'Parallel', 'Wait'].includes(stateType)) this.log(execution, `Entered ${name}`);
        break;
      }
      case 'StateExited': {
        const output = JSON.stringify(event.state.output ?? null);
        if (kind?.lambda) this.record(execution, 'LambdaFunctionSucceeded', { output }, at);
        else if (kind) this.record(execution, 'TaskSucceeded', { ...kind.ids, output }, at);
        if (stateType !== 'Fail') this.record(execution, `${stateType}StateExited`, { name, output }, at);
        break;
      }
      case 'StateFailed': {
        const error = event.Error;
        const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? '');
        const timedOut = error === 'States.Timeout' || error === 'States.HeartbeatTimeout';
        if (kind?.lambda) {
          this.record(
            execution,
            timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
            { error, cause },
            at,
          );
        } else if (kind) {
          this.record(execution, timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...kind.ids, error, cause }, at);
        } else if (stateType === 'Map' || stateType === 'Parallel') {
          this.record(execution, `${stateType}StateFailed`, undefined, at);
        }
        this.log(execution, `${name} failed: ${error}${cause ? ` (${truncate(cause)})` : ''}`);
        break;
      }
      case 'StateRetried': {
        this.log(execution, `Retrying ${name} (attempt ${event.retry.attempt})`);
        if (task && kind) this.recordScheduled(execution, name, task, kind, at);
        break;
      }
      case 'StateCaught':
        this.log(execution, `${name}: error caught, going to ${event.catch.catcher.Next}`);
        break;
    }
  }

  private recordScheduled(execution: Execution, name: string, task: TaskState, kind: ResourceKind, at: Date) {
    const parameters = JSON.stringify(execution.parameters.get(name) ?? null);
    const timeoutInSeconds = typeof task.TimeoutSeconds === 'number' ? task.TimeoutSeconds : undefined;
    if (kind.lambda) {
      this.record(
        execution,
        'LambdaFunctionScheduled',
        { resource: task.Resource, input: parameters, timeoutInSeconds },
        at,
      );
      this.record(execution, 'LambdaFunctionStarted', undefined, at);
    } else {
      this.record(
        execution,
        'TaskScheduled',
        { ...kind.ids, region: this.opts.region, parameters, timeoutInSeconds },
        at,
      );
      this.record(execution, 'TaskStarted', kind.ids, at);
    }
  }
}

interface ResourceKind {
  lambda: boolean;
  ids: { resourceType: string; resource: string };
}

/** How history names a Task's resource: `lambda` / `invoke.waitForTaskToken`, `sqs` / `sendMessage`. */
function resourceKind(resource: string): ResourceKind {
  const m = /^arn:aws[a-z-]*:states:::(?:aws-sdk:)?([^:]+):(.+)$/.exec(resource);
  if (m) return { lambda: false, ids: { resourceType: m[1]!, resource: m[2]! } };
  return { lambda: /:lambda:/.test(resource), ids: { resourceType: 'lambda', resource } };
}

/** The correlation id the platform's events carry (top level, `metadata`, or an EventBridge `detail`). */
function findCorrelationId(value: unknown, depth = 0): string | undefined {
  if (!value || typeof value !== 'object' || depth > 3) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.correlationId === 'string') return record.correlationId;
  for (const key of ['metadata', 'detail', 'Payload', 'input']) {
    const found = findCorrelationId(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
