/**
 * What every runner does around one record: its own correlation scope, the time guard,
 * the handler, and the failure taxonomy (retry: rethrow so the runner reports the record;
 * permanent or poison: park it and count it as handled).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, withCorrelationId } from '../observability';
import { classifyFailure, describeError, type Failure } from './failures';
import type { TimeGuard } from './time-guard';

export interface RecordSteps<R> {
  /** Does the work of one record; throws PermanentError/PoisonMessageError for what can never succeed. */
  handle: (record: R) => Promise<void>;
  /** The record's correlation id; a handler may still replace it (setCorrelationId) once it has parsed the record. */
  correlationId: (record: R) => string | undefined;
  /** Parks a record that can never succeed. Without it such a record is retried like any failure. */
  park?: ((record: R, failure: Failure) => Promise<void>) | undefined;
  /** Keys that identify the record on log lines. */
  describe: (record: R) => Record<string, unknown>;
}

export function guardedRecordHandler<R>(steps: RecordSteps<R>, guard: TimeGuard) {
  return (record: R): Promise<void> =>
    withCorrelationId(steps.correlationId(record), async () => {
      guard.check();
      try {
        await steps.handle(record);
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'retry' || !steps.park) {
          logger.warn('Record failed; left for a retry', {
            ...steps.describe(record),
            error: error as Error,
          });
          throw error;
        }
        const failure: Failure = { kind, reason: describeError(error) };
        // If parking fails, that error propagates: the record is retried, and the source's
        // own redrive still moves it to the DLQ once its retries are spent.
        await steps.park(record, failure);
        logger.warn('Record can never succeed; sent to the dead-letter queue', {
          ...steps.describe(record),
          ...failure,
        });
        metrics.addMetric('MessageDeadLettered', MetricUnit.Count, 1);
      }
    });
}

/** Logs once per batch what the guard or a shard stop left for the retry (not once per record). */
export function logLeftOver(failed: number, of: number): void {
  if (failed) logger.warn('Records left for a retry', { failed, of });
}
