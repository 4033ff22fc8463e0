/**
 * P28 as far as it runs without API Gateway: the integration's request template,
 * rendered as API Gateway renders it, is POSTed as SendMessage form parameters to a real
 * SQS API (moto's query protocol, as API Gateway's SQS integration speaks it); the real
 * recorder then stores the update once, and sends what is not an update to its DLQ.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
import { busWithQueueTarget, drainQueue as drainBusQueue } from '../../../test-support/src/aws';
import { CARRIER_REQUEST_TEMPLATE } from '../src/domain/shipments';
import {
  SHIPMENTS,
  createQueuePair,
  depth,
  drainMessages,
  loadContainer,
  migratedDatabase,
  orderId,
  query,
  uid,
  type Container,
  type QueueHandler,
} from './helpers';
import { renderCarrierTemplate } from './vtl';

/** What API Gateway sends to SQS for one carrier request. */
async function gatewaySendMessage(
  queueUrl: string,
  body: string,
): Promise<{ status: number; requestId: string }> {
  const requestId = randomUUID();
  const url = new URL(new URL(queueUrl).pathname, inject('motoUrl'));
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // API Gateway signs with its role (SigV4, service "sqs"); moto routes on the scope and skips the check.
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: renderCarrierTemplate(CARRIER_REQUEST_TEMPLATE, { body, requestId }),
  });
  await res.text();
  return { status: res.status, requestId };
}

describe('POST /webhooks/carrier → carrier queue → shipment updates', () => {
  const containers: Container<unknown>[] = [];
  afterAll(async () => {
    await Promise.all(containers.map((c) => c.close()));
  });

  it('records each carrier update once, keeps the request id as correlation id, and dead-letters junk at once', async () => {
    const id = uid();
    const databaseUrl = await migratedDatabase(inject('postgresUrl'), `carrier_${id}`);
    const queues = await createQueuePair(`carrier-${id}`);
    const bus = await busWithQueueTarget({ source: ['order-platform.shipments'] });
    const recorder = await loadContainer<QueueHandler>(SHIPMENTS, {
      DATABASE_URL: databaseUrl,
      CARRIER_DLQ_URL: queues.dlqUrl,
      EVENT_BUS_NAME: bus.busName,
    });
    containers.push(recorder as Container<unknown>);
    const update = {
      eventId: `trk_${id}`,
      orderId: orderId(),
      carrier: 'Parcel & Co',
      trackingNumber: 'TRK-12345',
      status: 'in_transit',
      occurredAt: new Date().toISOString(),
    };

    const first = await gatewaySendMessage(queues.queueUrl, JSON.stringify(update));
    const again = await gatewaySendMessage(queues.queueUrl, JSON.stringify(update));
    const junk = await gatewaySendMessage(
      queues.queueUrl,
      JSON.stringify({ eventId: 'x', status: 'teleported' }),
    );
    expect([first.status, again.status, junk.status]).toEqual([200, 200, 200]);

    await drainQueue({ queueUrl: queues.queueUrl, handler: recorder.handler });

    const rows = await query(
      databaseUrl,
      'SELECT event_id, order_id, carrier, status, correlation_id FROM payments.shipment_updates',
    );
    expect(rows).toEqual([
      {
        event_id: update.eventId,
        order_id: update.orderId,
        carrier: 'Parcel & Co',
        status: 'in_transit',
        correlation_id: first.requestId,
      },
    ]);
    const dead = await drainMessages(queues.dlqUrl);
    expect(dead.map((m) => JSON.parse(m.Body!))).toEqual([{ eventId: 'x', status: 'teleported' }]);
    expect(await depth(queues.queueUrl)).toBe(0);
    // Each delivery of the update is announced (at least once), with the same key.
    const announced = (await drainBusQueue(bus.queueUrl)).map((m) => JSON.parse(m.Body!).detail);
    expect(announced).toHaveLength(2);
    for (const a of announced)
      expect(a).toMatchObject({
        metadata: { eventType: 'ShipmentUpdated', version: 1, idempotencyKey: `shipment:${update.eventId}` },
        data: { carrierEventId: update.eventId, orderId: update.orderId, status: 'in_transit' },
      });
  });
});
