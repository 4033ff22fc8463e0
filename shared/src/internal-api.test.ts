import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { internalApiInvoker, type FunctionError } from './internal-api';

class Failure extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly detail?: FunctionError,
  ) {
    super(message);
  }
}

const failures = {
  timeout: (m: string) => new Failure('timeout', m),
  unavailable: (m: string) => new Failure('unavailable', m),
  functionError: (e: FunctionError) => new Failure('function', e.message, e),
};

/** A Lambda client whose one answer is `send`'s result (or rejection). */
const lambdaAnswering = (send: (abortSignal: AbortSignal) => Promise<unknown>) =>
  ({
    send: (_cmd: unknown, opts: { abortSignal: AbortSignal }) => send(opts.abortSignal),
  }) as unknown as LambdaClient;
const payload = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const invoker = (lambda: LambdaClient, timeoutMs = 1_000) =>
  internalApiInvoker(lambda, { timeoutMs, failures, fallbackMessage: 'it failed' });

describe('the internal-API invoker', () => {
  it('answers the function result', async () => {
    const invoke = invoker(lambdaAnswering(async () => ({ Payload: payload({ ok: 1 }) })));
    expect(await invoke('fn', {})).toEqual({ ok: 1 });
  });

  it('turns a function error into its errorType and message, or Unknown and the fallback', async () => {
    const typed = invoker(
      lambdaAnswering(async () => ({
        FunctionError: 'Unhandled',
        Payload: payload({ errorType: 'OutOfStockError', errorMessage: 'none left' }),
      })),
    );
    await expect(typed('fn', {})).rejects.toMatchObject({
      kind: 'function',
      detail: { errorType: 'OutOfStockError', message: 'none left' },
    });
    const bare = invoker(
      lambdaAnswering(async () => ({ FunctionError: 'Unhandled', Payload: payload(null) })),
    );
    await expect(bare('fn', {})).rejects.toMatchObject({
      detail: { errorType: 'Unknown', message: 'it failed' },
    });
  });

  it('tells a missed deadline (outcome unknown) from a function Lambda could not run or an unreadable answer', async () => {
    const hanging = invoker(
      lambdaAnswering(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            ),
          ),
      ),
      20,
    );
    await expect(hanging('fn', {})).rejects.toMatchObject({
      kind: 'timeout',
      message: 'fn did not answer within 20 ms',
    });
    const throttled = invoker(
      lambdaAnswering(async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }),
    );
    await expect(throttled('fn', {})).rejects.toMatchObject({
      kind: 'unavailable',
      message: 'Could not invoke fn: TooManyRequestsException: Rate exceeded',
    });
    const garbled = invoker(lambdaAnswering(async () => ({ Payload: payload('<html>') })));
    await expect(garbled('fn', {})).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
