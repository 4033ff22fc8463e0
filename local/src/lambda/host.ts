/**
 * The local Lambda service: runs each packaged function from its esbuild bundle, in
 * worker threads that play execution environments. Each environment has the function's
 * own environment variables (the template's, resolved) and handles one invocation at a
 * time; a function never has more environments than its reserved concurrency (or the
 * runner's default cap), and invocations beyond that wait for a free one. A function
 * that outlives its Timeout is stopped (the environment is thrown away, as Lambda does)
 * and the invocation fails with Sandbox.Timedout.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { unzipSync } from 'fflate';
import { functionNameOf } from '@order-platform/test-support/lambda-invoke-server';
import type { FunctionRunner, InvokeOptions, InvokeResult, LogSink } from '../types';
import type { InvocationFault } from '../faults/injector';

export interface LocalFunction {
  name: string;
  arn: string;
  /** Service name of the stack (op-orders) and its function key (createOrder). */
  service: string;
  key: string;
  /** The deployment package (the zip osls wrote). */
  zipPath: string;
  /** `src/handlers/create-order.handler` */
  handler: string;
  timeoutMs: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** ReservedConcurrentExecutions, if any. */
  reservedConcurrency?: number;
  /** The execution role's ARN (its resolved `Role`). */
  role?: string;
}

export interface HostOptions {
  /** Where bundles are unpacked (one folder per function). */
  workDir: string;
  /** Variables every environment gets (endpoints, credentials, region). */
  runtimeEnv: Record<string, string>;
  /** Variables of one function's environments (its own credentials), over runtimeEnv. */
  environmentOf?: (fn: LocalFunction) => Record<string, string>;
  /** Values that replace a function's own variable of the same name (engine URLs). */
  overrides?: Record<string, string>;
  log: LogSink;
  /** Cap for functions without reserved concurrency. */
  defaultConcurrency?: number;
  /** Fault injection (local/src/faults): what to do to one invocation, if anything. */
  faults?: {
    forInvocation(fn: string, correlationId?: string): InvocationFault | undefined;
    /** A failure nothing was injected into (an outage may explain it). */
    noteFailure?(fn: string): void;
  };
}

interface Environment {
  worker: Worker;
  busy: boolean;
  warm: boolean;
  /** Its code was replaced: stop it after the invocation in progress. */
  retired?: boolean;
  pending?: {
    id: string;
    /** The handler started (init done): the function timeout starts now. */
    started: () => void;
    resolve: (r: { ok: boolean; payload?: unknown; error?: InvokeResult['error'] }) => void;
  };
}

interface Slot {
  fn: LocalFunction;
  envs: Environment[];
  waiting: Array<() => void>;
  limit: number;
  /** Highest number of invocations running at once (the fidelity tests read it). */
  peak: number;
  running: number;
  invocations: number;
}

const WORKER = join(__dirname, 'worker.cjs');
/** Lambda's limit on a function's init phase (on-demand). */
const INIT_LIMIT_MS = 10_000;

// One reading of function names and ARNs, shared with the Invoke endpoint.
export { functionNameOf };

export class FunctionHost implements FunctionRunner {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(private readonly opts: HostOptions) {}

  register(fn: LocalFunction): void {
    const limit = fn.reservedConcurrency ?? this.opts.defaultConcurrency ?? 4;
    this.slots.set(fn.name, { fn, envs: [], waiting: [], limit, peak: 0, running: 0, invocations: 0 });
  }

  /**
   * New code for a service's functions (its package was rebuilt): idle environments are
   * discarded now, busy ones when their invocation ends, so the next invocation of each
   * function is a cold start on the new bundle. Returns how many functions it touched.
   */
  reload(service: string): number {
    let touched = 0;
    for (const s of this.slots.values()) {
      if (s.fn.service !== service) continue;
      touched++;
      for (const env of s.envs) {
        env.retired = true;
        if (!env.busy) void env.worker.terminate();
      }
      s.envs = s.envs.filter((e) => e.busy);
    }
    return touched;
  }

  has(nameOrArn: string): boolean {
    return this.slots.has(functionNameOf(nameOrArn));
  }

  functions(): LocalFunction[] {
    return [...this.slots.values()].map((s) => s.fn);
  }

  /** Invocation counts and the concurrency each function reached. */
  stats(name: string): { invocations: number; peak: number; limit: number; environments: number } {
    const s = this.slot(name);
    return { invocations: s.invocations, peak: s.peak, limit: s.limit, environments: s.envs.length };
  }

  private slot(nameOrArn: string): Slot {
    const s = this.slots.get(functionNameOf(nameOrArn));
    if (!s)
      throw Object.assign(new Error(`Function not found: ${nameOrArn}`), {
        name: 'ResourceNotFoundException',
      });
    return s;
  }

  async invoke(nameOrArn: string, event: unknown, opts: InvokeOptions = {}): Promise<InvokeResult> {
    const s = this.slot(nameOrArn);
    const env = await this.acquire(s);
    const started = Date.now();
    const coldStart = !env.warm;
    s.running++;
    s.invocations++;
    s.peak = Math.max(s.peak, s.running);
    try {
      const fault = this.opts.faults?.forInvocation(s.fn.name, opts.correlationId);
      const out = fault ? await this.runFaulty(s, env, event, fault, started) : await this.run(s, env, event);
      env.warm = true;
      const durationMs = Date.now() - started;
      if (!out.ok) {
        if (!fault) this.opts.faults?.noteFailure?.(s.fn.name);
        this.opts.log.line(
          sourceOf(s.fn),
          `FAILED ${out.error?.errorType}: ${out.error?.errorMessage} (${durationMs} ms${coldStart ? ', cold' : ''})`,
          opts.correlationId,
        );
      }
      return {
        payload: out.payload ?? null,
        ...(out.ok ? {} : { error: out.error! }),
        durationMs,
        coldStart,
      };
    } finally {
      s.running--;
      this.release(s, env);
    }
  }

  private async acquire(s: Slot): Promise<Environment> {
    for (;;) {
      if (this.closed) throw new Error('The local runner is stopping');
      const idle = s.envs.find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (s.envs.length < s.limit) {
        const env = this.spawn(s);
        env.busy = true;
        return env;
      }
      await new Promise<void>((resolve) => s.waiting.push(resolve));
    }
  }

  private release(s: Slot, env: Environment): void {
    env.busy = false;
    if (env.retired) {
      s.envs = s.envs.filter((e) => e !== env);
      void env.worker.terminate();
    }
    s.waiting.shift()?.();
  }

  private codeDir(fn: LocalFunction): string {
    const dir = join(this.opts.workDir, fn.service, fn.key);
    const stamp = join(dir, '.unpacked');
    const zipTime = statSync(fn.zipPath).mtimeMs;
    if (!existsSync(stamp) || Number(readFileSync(stamp, 'utf8')) !== zipTime) {
      const files = unzipSync(readFileSync(fn.zipPath));
      for (const [name, data] of Object.entries(files)) {
        if (name.endsWith('/')) continue;
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), data);
      }
      writeFileSync(stamp, String(zipTime));
    }
    return dir;
  }

  private spawn(s: Slot): Environment {
    const { fn } = s;
    const dir = this.codeDir(fn);
    const dot = fn.handler.lastIndexOf('.');
    const modulePath = join(dir, `${fn.handler.slice(0, dot)}.js`);
    const own = { ...fn.environment };
    for (const [k, v] of Object.entries(this.opts.overrides ?? {})) if (k in own) own[k] = v;
    const instance = randomUUID().slice(0, 8);
    const worker = new Worker(WORKER, {
      workerData: { modulePath, exportName: fn.handler.slice(dot + 1), handler: fn.handler, instance },
      env: {
        PATH: process.env.PATH ?? '',
        TZ: 'UTC',
        LANG: 'en_US.UTF-8',
        ...this.opts.runtimeEnv,
        ...this.opts.environmentOf?.(fn),
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: `local/${instance}`,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: dir,
        _HANDLER: fn.handler,
        ...own,
      },
      stdout: true,
      stderr: true,
      // The function runs its packaged JavaScript as Lambda's Node does: not through the
      // runner's own TypeScript loader (tsx), which a worker would otherwise inherit and
      // run over every module it loads.
      execArgv: [],
      // Lambda's memory setting, as the worker's heap ceiling.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, fn.memoryMb) },
    });
    const env: Environment = { worker, busy: false, warm: false };
    const source = sourceOf(fn);
    pipeLines(worker.stdout, (line) => this.opts.log.line(source, line, correlationOf(line)));
    pipeLines(worker.stderr, (line) => this.opts.log.line(source, line, correlationOf(line)));
    worker.on(
      'message',
      (m: { type: string; id: string; ok: boolean; payload?: unknown; error?: InvokeResult['error'] }) => {
        if (m.type === 'started' && env.pending?.id === m.id) env.pending.started();
        if (m.type === 'result' && env.pending?.id === m.id) {
          const p = env.pending;
          env.pending = undefined;
          p.resolve(m);
        }
      },
    );
    const fail = (errorType: string, errorMessage: string) => {
      s.envs = s.envs.filter((e) => e !== env);
      const p = env.pending;
      env.pending = undefined;
      p?.resolve({ ok: false, error: { errorType, errorMessage } });
    };
    worker.on('error', (e) => fail('Runtime.ExitError', `The environment crashed: ${e.message}`));
    worker.on('exit', (code) => fail('Runtime.ExitError', `The environment exited (code ${code})`));
    s.envs.push(env);
    return env;
  }

  /**
   * An invocation with an injected fault (local/src/faults), played as Lambda shows it:
   * a handler exception is a function error; latency delays the handler; a run past the
   * timeout does its work and then reports Sandbox.Timedout, the environment discarded; a
   * killed environment dies mid-invocation and the caller gets Runtime.ExitError, whatever
   * the handler had done by then (an event source retries the whole batch).
   */
  private async runFaulty(
    s: Slot,
    env: Environment,
    event: unknown,
    fault: InvocationFault,
    started: number,
  ): Promise<{ ok: boolean; payload?: unknown; error?: InvokeResult['error'] }> {
    // The worker's exit settles an invocation still in progress (Runtime.ExitError).
    const discard = () => {
      s.envs = s.envs.filter((e) => e !== env);
      void env.worker.terminate();
    };
    switch (fault.kind) {
      case 'handler-error':
        return {
          ok: false,
          error: {
            errorType: 'InjectedFault',
            errorMessage: 'Handler exception injected by the fault profile',
          },
        };
      case 'latency':
        await new Promise((r) => setTimeout(r, fault.ms));
        return this.run(s, env, event);
      case 'timeout': {
        const out = await this.run(s, env, event);
        if (!out.ok && out.error?.errorType === 'Sandbox.Timedout') return out;
        await new Promise((r) => setTimeout(r, Math.max(0, s.fn.timeoutMs - (Date.now() - started))));
        discard();
        return {
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${(s.fn.timeoutMs / 1000).toFixed(2)} seconds (injected)`,
          },
        };
      }
      case 'environment-killed': {
        // `afterMs` into the handler (a cold start's init is not counted): whatever it got done.
        let handlerStarted!: () => void;
        const started = new Promise<void>((r) => (handlerStarted = r));
        const running = this.run(s, env, event, handlerStarted);
        await Promise.race([running, started.then(() => new Promise((r) => setTimeout(r, fault.afterMs)))]);
        discard();
        return {
          ok: false,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: 'The environment was killed mid-invocation (injected)',
          },
        };
      }
    }
  }

  /**
   * One invocation in one environment. As in Lambda, a cold environment first runs its
   * init (loading the bundle), which has its own 10 s limit; the function's Timeout
   * counts from the moment the handler starts.
   */
  private run(
    s: Slot,
    env: Environment,
    event: unknown,
    onHandlerStart?: () => void,
  ): Promise<{ ok: boolean; payload?: unknown; error?: InvokeResult['error'] }> {
    const id = randomUUID();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const expire = (errorType: string, errorMessage: string) => () => {
        // Lambda discards the environment of a timed-out invocation; the next call starts cold.
        env.pending = undefined;
        s.envs = s.envs.filter((e) => e !== env);
        void env.worker.terminate();
        resolve({ ok: false, error: { errorType, errorMessage } });
      };
      const startTimeout = () => {
        clearTimeout(timer);
        timer = setTimeout(
          expire('Sandbox.Timedout', `Task timed out after ${(s.fn.timeoutMs / 1000).toFixed(2)} seconds`),
          s.fn.timeoutMs,
        );
      };
      if (env.warm) startTimeout();
      else timer = setTimeout(expire('Runtime.InitError', 'Init phase exceeded 10 seconds'), INIT_LIMIT_MS);
      env.pending = {
        id,
        started: () => {
          startTimeout();
          onHandlerStart?.();
        },
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      env.worker.postMessage({
        type: 'invoke',
        id,
        event,
        timeoutMs: s.fn.timeoutMs,
        requestId: randomUUID(),
        functionName: s.fn.name,
        functionArn: s.fn.arn,
        memoryMb: s.fn.memoryMb,
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots.values()) s.waiting.splice(0).forEach((w) => w());
    await Promise.all(
      [...this.slots.values()].flatMap((s) => s.envs.map((e) => e.worker.terminate().catch(() => undefined))),
    );
  }
}

/** The log source of a function: `orders/createOrder`. */
const sourceOf = (fn: LocalFunction) => `${fn.service.replace(/^op-/, '')}/${fn.key}`;

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer.trim()) onLine(buffer);
  });
}

/** The correlation id of a structured log line (Powertools JSON), if it has one. */
function correlationOf(line: string): string | undefined {
  const m = /"correlationId":"([^"]+)"/.exec(line);
  return m?.[1];
}
