/**
 * The transport every internal-API client (P09) shares: one Lambda `Invoke`
 * (RequestResponse) under a hard deadline per call (an AbortSignal that also covers the
 * SDK's own retries), and the three ways it can fail told apart. Each client keeps its
 * own typed errors; this only decides which kind of failure happened:
 *
 * - no answer in time: `timeout` (the outcome is unknown; only idempotent calls retry it);
 * - Lambda could not run the function, or its answer is unreadable: `unavailable`;
 * - the function threw (`X-Amz-Function-Error`): `functionError`, given the error's
 *   `errorType` and message from its `{ errorType, errorMessage }` payload.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export interface FunctionError {
  errorType: string;
  message: string;
}

export interface InternalApiFailures {
  timeout(message: string, cause: unknown): Error;
  unavailable(message: string, cause?: unknown): Error;
  functionError(error: FunctionError): Error;
}

/** The errorType and message of a function error payload (`Unknown` when it names none). */
export function functionErrorOf(payload: unknown, fallbackMessage: string): FunctionError {
  const body = (payload && typeof payload === 'object' ? payload : {}) as {
    errorType?: unknown;
    errorMessage?: unknown;
  };
  return {
    errorType: typeof body.errorType === 'string' ? body.errorType : 'Unknown',
    message: typeof body.errorMessage === 'string' ? body.errorMessage : fallbackMessage,
  };
}

/**
 * A client's mapping from a function error to its own typed error: by errorType when the
 * client knows it, else `otherwise` (the client's "unavailable" error, keeping the type).
 * `fromPayload` reads a raw `{ errorType, errorMessage }` payload first.
 */
export function functionErrorMapper<E extends Error>(
  typed: Record<string, (message: string) => E>,
  otherwise: (message: string, errorType: string) => E,
  fallbackMessage: string,
) {
  const typedError = ({ errorType, message }: FunctionError): E =>
    typed[errorType]?.(message) ?? otherwise(message, errorType);
  return {
    typedError,
    fromPayload: (payload: unknown): E => typedError(functionErrorOf(payload, fallbackMessage)),
    fallbackMessage,
  };
}

const isAbort = (error: unknown) => {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
};

/** An `invoke(functionName, payload)` that answers the function's JSON result or throws one of `failures`. */
export function internalApiInvoker(
  lambda: LambdaClient,
  options: { timeoutMs: number; failures: InternalApiFailures; fallbackMessage: string },
) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const { failures, timeoutMs } = options;

  return async function invoke<T>(functionName: string, payload: unknown): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    let out;
    try {
      out = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: encoder.encode(JSON.stringify(payload)),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal.aborted || isAbort(error))
        throw failures.timeout(`${functionName} did not answer within ${timeoutMs} ms`, error);
      throw failures.unavailable(
        `Could not invoke ${functionName}: ${(error as Error).name ?? 'Error'}: ${(error as Error).message}`,
        error,
      );
    }
    const text = out.Payload && out.Payload.length ? decoder.decode(out.Payload) : 'null';
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw failures.unavailable(`${functionName} returned a non-JSON payload`, error);
    }
    if (out.FunctionError) throw failures.functionError(functionErrorOf(body, options.fallbackMessage));
    return body as T;
  };
}
