/**
 * Task tokens for `.waitForTaskToken` tasks. Each entry into such a task gets a fresh
 * token; it resolves the task once (SendTaskSuccess / SendTaskFailure) and is then
 * closed, as are the tokens of a task that timed out or of an execution that ended.
 * Using a closed token is TaskTimedOut, an unknown one InvalidToken, as in AWS.
 */
import { randomBytes } from 'node:crypto';

/** An error a state raises: `name` is the ASL error name Retry / Catch match on. */
export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** An error no Retry or Catch matches, as AWS treats States.Runtime (aws-local-stepfunctions reads these flags). */
export class UncatchableError extends StatesError {
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

interface OpenToken {
  executionArn: string;
  stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  /** Restarts the HeartbeatSeconds timer, when the state has one. */
  beat?: () => void;
  timers: NodeJS.Timeout[];
}

export type TokenResult = 'ok' | 'closed' | 'unknown';

/** Closed tokens remembered (to answer TaskTimedOut rather than InvalidToken); oldest forgotten first. */
const CLOSED_TOKENS_KEPT = 10_000;

export class TaskTokens {
  private readonly open = new Map<string, OpenToken>();
  /** Closed tokens and the execution they belonged to. */
  private readonly closed = new Map<string, string>();

  /** A token shaped like AWS's: opaque, base64, a few hundred characters at most. */
  issue(): string {
    return `AQ${randomBytes(96).toString('base64')}`;
  }

  /**
   * Waits for the token's outcome: resolves with SendTaskSuccess's parsed output, rejects
   * with SendTaskFailure's error, or with States.HeartbeatTimeout when `heartbeatSeconds`
   * pass without a heartbeat. After `closeAfterSeconds` (the state's TimeoutSeconds,
   * when static) the token is closed without settling: the engine raises States.Timeout.
   */
  wait(
    token: string,
    owner: { executionArn: string; stateName: string },
    limits: { heartbeatSeconds?: number; closeAfterSeconds?: number } = {},
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: OpenToken = { ...owner, resolve, reject, timers: [] };
      if (limits.closeAfterSeconds) {
        entry.timers.push(setTimeout(() => this.close(token), limits.closeAfterSeconds * 1000));
      }
      if (limits.heartbeatSeconds) {
        const ms = limits.heartbeatSeconds * 1000;
        const expire = () =>
          this.settle(token, (e) => e.reject(new StatesError('States.HeartbeatTimeout', '')));
        let timer = setTimeout(expire, ms);
        entry.timers.push(timer);
        entry.beat = () => {
          clearTimeout(timer);
          entry.timers = entry.timers.filter((t) => t !== timer);
          timer = setTimeout(expire, ms);
          entry.timers.push(timer);
        };
      }
      this.open.set(token, entry);
    });
  }

  succeed(token: string, output: unknown): TokenResult {
    return this.settle(token, (e) => e.resolve(output));
  }

  fail(token: string, error: string, cause: string): TokenResult {
    return this.settle(token, (e) => e.reject(new StatesError(error, cause)));
  }

  heartbeat(token: string): TokenResult {
    const entry = this.open.get(token);
    if (!entry) return this.status(token);
    entry.beat?.();
    return 'ok';
  }

  /** The execution a token belongs (or belonged) to, if the token was issued here. */
  executionOf(token: string): string | undefined {
    return this.open.get(token)?.executionArn ?? this.closed.get(token);
  }

  isOpen(token: string): boolean {
    return this.open.has(token);
  }

  /** Closes a token without settling its waiter (the task is over by other means). */
  close(token: string): void {
    this.settle(token, () => undefined);
  }

  /** Closes every token of an execution (it ended, or was stopped); `error` rejects their waiters. */
  closeExecution(executionArn: string, error?: Error): void {
    for (const [token, entry] of [...this.open]) {
      if (entry.executionArn === executionArn) this.settle(token, (e) => error && e.reject(error));
    }
  }

  closeAll(error?: Error): void {
    for (const token of [...this.open.keys()]) this.settle(token, (e) => error && e.reject(error));
  }

  /** Number of tokens waiting for an answer (for tests and the runner's status line). */
  get openCount(): number {
    return this.open.size;
  }

  private status(token: string): TokenResult {
    return this.closed.has(token) ? 'closed' : 'unknown';
  }

  private settle(token: string, fn: (entry: OpenToken) => void): TokenResult {
    const entry = this.open.get(token);
    if (!entry) return this.status(token);
    this.open.delete(token);
    for (const t of entry.timers) clearTimeout(t);
    this.closed.set(token, entry.executionArn);
    if (this.closed.size > CLOSED_TOKENS_KEPT) {
      this.closed.delete(this.closed.keys().next().value as string);
    }
    fn(entry);
    return 'ok';
  }
}
