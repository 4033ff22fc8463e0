import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { getPool } from '@order-platform/shared/db/postgres';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import type { RecordShipmentUpdate } from '../domain/ports';
import { parseCarrierUpdate } from '../domain/write';
import { buildRecordShipmentUpdate } from '../adapters/ledger-store';
import { buildSendToDlq, type SendToDlq } from '../adapters/queue';
import { consumeBatch, correlationAttribute } from './sqs-consumer';

/** Carrier queue (filled by API Gateway directly, P28) → shipment_updates, once per carrier event id. */
export function makeHandler(deps: {
  recordShipmentUpdate: RecordShipmentUpdate;
  sendToDlq: SendToDlq;
  timeGuardMs?: number;
}) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await consumeBatch(event, context, {
      parallel: false,
      sendToDlq: deps.sendToDlq,
      ...(deps.timeGuardMs !== undefined ? { timeGuardMs: deps.timeGuardMs } : {}),
      handleRecord: async (record) => {
        const update = parseCarrierUpdate(record.body);
        const correlationId = setCorrelationId(correlationAttribute(record) ?? record.messageId);
        const fresh = await deps.recordShipmentUpdate(update, correlationId);
        if (!fresh) logger.info('Duplicate carrier update ignored', { eventId: update.eventId });
      },
    });
    metrics.addMetric('ShipmentMessagesFailed', MetricUnit.Count, response.batchItemFailures.length);
    return response;
  };
}

export const handler = withObservability(
  makeHandler({
    recordShipmentUpdate: buildRecordShipmentUpdate(() => getPool()),
    sendToDlq: buildSendToDlq(awsClient(SQSClient), requireEnv('CARRIER_DLQ_URL')),
  }),
);
