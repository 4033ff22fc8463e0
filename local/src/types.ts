/**
 * The shapes the local runner's parts share. The runner reads each stack's packaged
 * CloudFormation, provisions what it can in real engines (moto_server, Postgres, Redis)
 * and runs the rest itself: functions, event sources, API Gateway, Step Functions.
 */

/** A resource of a packaged stack whose intrinsic functions are already resolved. */
export interface LocalResource {
  /** The stack folder, relative to the repo root ('.' for the platform, 'services/orders'). */
  stack: string;
  /** The stack's service name from the template (e.g. 'op-orders'). */
  service: string;
  logicalId: string;
  type: string;
  /** Properties with Ref / Fn::GetAtt / Fn::Sub / Fn::Join / Fn::ImportValue … resolved. */
  properties: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** What `Ref` returns (name, URL or ARN, depending on the type). */
  physicalId: string;
  /** What `Fn::GetAtt` returns, by attribute name (Arn, QueueName, StreamArn, …). */
  attributes: Record<string, string>;
}

/** How a function invocation ended, as the Lambda Invoke API would report it. */
export interface InvokeResult {
  /** The handler's return value (already JSON-round-tripped). */
  payload: unknown;
  /** Set when the handler threw, timed out or could not start. */
  error?: { errorType: string; errorMessage: string; trace?: string[] };
  durationMs: number;
  /** True when the invocation started a new worker (a cold start). */
  coldStart: boolean;
}

export interface InvokeOptions {
  /** Correlation id for the runner's log prefix (the function still reads its own). */
  correlationId?: string;
}

/** Runs the packaged functions. Accepts a function name or any ARN form Lambda accepts
 *  (function ARN, qualified ARN, API Gateway's `…/functions/<arn>/invocations` URI). */
export interface FunctionRunner {
  invoke(nameOrArn: string, event: unknown, opts?: InvokeOptions): Promise<InvokeResult>;
  /** True if the runner knows this function. */
  has(nameOrArn: string): boolean;
}

/** One stream of log lines for the whole platform. */
export interface LogSink {
  /** `source` is "<service>" or "<service>/<function>"; correlationId when known. */
  line(source: string, message: string, correlationId?: string): void;
}
