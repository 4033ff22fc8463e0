import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { correlationAttribute, sqsConsumer } from '@order-platform/shared/consumers/sqs';
import { getPool } from '@order-platform/shared/db/postgres';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import type { RecordShipmentUpdate } from '../domain/ports';
import { parseCarrierUpdate } from '../domain/write';
import { buildRecordShipmentUpdate } from '../adapters/ledger-store';

/** Carrier queue (filled by API Gateway directly, P28) → shipment_updates, once per carrier event id. */
export function makeHandler(deps: {
  recordShipmentUpdate: RecordShipmentUpdate;
  deadLetter: DeadLetter;
  timeGuardMs?: number;
}) {
  const consume = sqsConsumer({
    deadLetter: deps.deadLetter,
    ...(deps.timeGuardMs !== undefined ? { timeGuardMs: deps.timeGuardMs } : {}),
    handle: async (record) => {
      const update = parseCarrierUpdate(record.body);
      const correlationId = setCorrelationId(correlationAttribute(record) ?? record.messageId);
      const fresh = await deps.recordShipmentUpdate(update, correlationId);
      if (!fresh) logger.info('Duplicate carrier update ignored', { eventId: update.eventId });
    },
  });
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await consume(event, context);
    metrics.addMetric('ShipmentMessagesFailed', MetricUnit.Count, response.batchItemFailures.length);
    return response;
  };
}

export const handler = withObservability(
  makeHandler({
    recordShipmentUpdate: buildRecordShipmentUpdate(() => getPool()),
    deadLetter: buildDeadLetter(awsClient(SQSClient), requireEnv('CARRIER_DLQ_URL')),
  }),
);
