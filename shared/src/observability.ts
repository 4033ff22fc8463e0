/**
 * One observability wrapper for every handler: Powertools logger (structured JSON) and
 * metrics (CloudWatch EMF), plus a correlation id that is read from whatever woke the
 * function (HTTP header, event envelope, workflow input) and stamped on every log line
 * and every message the function sends on.
 *
 * Tracing: every function runs with Lambda active tracing (X-Ray) from its
 * serverless.yml. The Powertools Tracer, which adds sub-segments for each downstream
 * call, costs ~110 KB of bundle (aws-xray-sdk-core) and its import time on every cold
 * start, so it is opt-in (`tracing.ts`) for functions that fan out to several services.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

export const CORRELATION_HEADER = 'x-correlation-id';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'order-platform';

interface CorrelationScope {
  id: string;
}

/**
 * Records of one batch may run concurrently, so a single module-level id would let one
 * record's log lines carry another's id. Each record runs in its own scope; work outside
 * any record (an HTTP request, a whole-event handler) uses the invocation's scope.
 */
const recordScope = new AsyncLocalStorage<CorrelationScope>();
let invocationScope: CorrelationScope | undefined;

const activeScope = (): CorrelationScope | undefined => recordScope.getStore() ?? invocationScope;

/**
 * Powertools keeps appended keys per invocation, not per async context; stamping the id
 * while formatting reads it from the scope of the code that is logging. The keys are
 * Powertools' own standard ones (its formatter is not exported to extend).
 */
class CorrelatedLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const lambda = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambda?.coldStart,
        function_arn: lambda?.invokedFunctionArn,
        function_memory_size: lambda?.memoryLimitInMB,
        function_name: lambda?.functionName,
        function_request_id: lambda?.awsRequestId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
        correlationId: activeScope()?.id,
      },
    }).addAttributes(additional);
  }
}

export const logger = new Logger({ serviceName, logFormatter: new CorrelatedLogFormatter() });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OrderPlatform',
});

const usable = (id: string | undefined): string => (id && id.length <= 128 ? id : randomUUID());

/** The correlation id of the unit of work in progress (request, event or record). */
export function currentCorrelationId(): string {
  const scope = activeScope();
  if (scope) return scope.id;
  invocationScope = { id: randomUUID() };
  return invocationScope.id;
}

/**
 * Sets the correlation id for the work that follows: inside a record's scope (see
 * `withCorrelationId`) only that record's, elsewhere the invocation's.
 */
export function setCorrelationId(id: string | undefined): string {
  const next = usable(id);
  const scope = recordScope.getStore();
  if (scope) scope.id = next;
  else invocationScope = { id: next };
  return next;
}

/** Runs one record's work in its own correlation scope; the batch runners call it per record. */
export function withCorrelationId<T>(id: string | undefined, work: () => Promise<T>): Promise<T> {
  return recordScope.run({ id: usable(id) }, work);
}

type AnyRecord = Record<string, unknown>;
const isRecord = (v: unknown): v is AnyRecord => typeof v === 'object' && v !== null;

/** Finds a correlation id in the usual places of the event shapes this platform handles. */
export function correlationIdOf(event: unknown): string | undefined {
  if (!isRecord(event)) return undefined;
  const headers = event.headers;
  if (isRecord(headers)) {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === CORRELATION_HEADER && typeof value === 'string') return value;
    }
  }
  if (typeof event.correlationId === 'string') return event.correlationId;
  const detail = event.detail;
  if (isRecord(detail) && isRecord(detail.metadata) && typeof detail.metadata.correlationId === 'string') {
    return detail.metadata.correlationId;
  }
  if (isRecord(event.metadata) && typeof event.metadata.correlationId === 'string') {
    return event.metadata.correlationId;
  }
  const requestContext = event.requestContext;
  if (isRecord(requestContext) && typeof requestContext.requestId === 'string')
    return requestContext.requestId;
  return undefined;
}

function correlation(): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      setCorrelationId(correlationIdOf(request.event));
    },
    after: (request) => {
      // Echo the id to HTTP callers so a client can quote it in a support request.
      const response = request.response;
      if (isRecord(response) && typeof response.statusCode === 'number') {
        response.headers = {
          ...(isRecord(response.headers) ? response.headers : {}),
          [CORRELATION_HEADER]: currentCorrelationId(),
        };
      }
    },
  };
}

/**
 * Publishes the invocation's metrics (EMF) when it recorded any. Powertools' own
 * middleware warns on every invocation that recorded none, which is most of them for a
 * worker that only counts failures.
 */
function publishMetrics(): MiddlewareObj<unknown, unknown> {
  let coldStart = true;
  const flush = () => {
    if (!metrics.hasStoredMetrics()) return;
    // Metadata, not a dimension: searchable next to the metric in the log line, free of
    // the cardinality a dimension would add (and how the local runner tags METRIC lines).
    metrics.addMetadata('correlationId', currentCorrelationId());
    metrics.publishStoredMetrics();
  };
  return {
    before: () => {
      if (coldStart) metrics.captureColdStartMetric();
      coldStart = false;
    },
    after: flush,
    onError: flush,
  };
}

export interface ObservabilityOptions {
  /** Log the incoming event (never on handlers that receive secrets or personal data). */
  logEvent?: boolean;
  /** Extra middlewares, outermost first (for example `tracing()` from tracing.ts). */
  middlewares?: MiddlewareObj[];
}

/** Wraps a handler in the platform's observability middleware stack. */
export function withObservability<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  opts: ObservabilityOptions = {},
) {
  const wrapped = middy(handler);
  for (const m of opts.middlewares ?? []) wrapped.use(m as MiddlewareObj<E, R>);
  return wrapped
    .use(injectLambdaContext(logger, { logEvent: opts.logEvent ?? false, resetKeys: true }))
    .use(publishMetrics() as MiddlewareObj<E, R>)
    .use(correlation() as MiddlewareObj<E, R>);
}
