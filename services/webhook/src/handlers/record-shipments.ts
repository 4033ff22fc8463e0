import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { shipmentUpdated } from '@order-platform/shared/events/shipments/shipmentUpdated.v1';
import { buildDeadLetter, type DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { correlationAttribute, sqsConsumer } from '@order-platform/shared/consumers/sqs';
import { getPool } from '@order-platform/shared/db/postgres';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, setCorrelationId, withObservability } from '@order-platform/shared/observability';
import type { PublishEnvelopes, RecordShipmentUpdate } from '../domain/ports';
import { parseCarrierUpdate } from '../domain/write';
import { buildPublishEnvelopes } from '../adapters/event-bus';
import { buildRecordShipmentUpdate } from '../adapters/ledger-store';

/**
 * Carrier queue (filled by API Gateway directly, P28) → shipment_updates, once per carrier
 * event id → ShipmentUpdated v1 on the platform bus (fulfilment follows it). The event is
 * published for a duplicate too: a publish that failed after the row was written is
 * retried with the message, so the event goes out at least once (consumers deduplicate).
 */
export function makeHandler(deps: {
  recordShipmentUpdate: RecordShipmentUpdate;
  publish: PublishEnvelopes;
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
      if (!fresh) logger.info('Duplicate carrier update, announced again', { eventId: update.eventId });
      const { eventId: carrierEventId, ...rest } = update;
      const [accepted] = await deps.publish([shipmentUpdated({ carrierEventId, ...rest }, correlationId)]);
      if (!accepted) throw new Error(`ShipmentUpdated for ${update.eventId} was not accepted by the bus`);
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
    publish: buildPublishEnvelopes(awsClient(EventBridgeClient), requireEnv('EVENT_BUS_NAME')),
    deadLetter: buildDeadLetter(awsClient(SQSClient), requireEnv('CARRIER_DLQ_URL')),
  }),
);
