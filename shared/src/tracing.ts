/**
 * Opt-in Powertools Tracer: X-Ray sub-segments for every AWS SDK and HTTP call a
 * function makes. Worth its ~110 KB for functions that call several services (the
 * aggregator, saga tasks); plain workers rely on Lambda active tracing alone.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'order-platform' });

export function tracing(): MiddlewareObj {
  return captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj;
}
