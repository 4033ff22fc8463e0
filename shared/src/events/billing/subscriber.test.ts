/**
 * The shared billing subscriber (X4, X7, X8): partial batch responses, permanent errors
 * to the DLQ at once, temporary errors retried, and a time guard.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../errors';
import { billingMessageAttributes } from './attributes';
import { paymentCapturedV1 } from './paymentCaptured.v1';
import { refundIssuedV1 } from './refundIssued.v1';
import { samplePaymentCaptured, sampleRefundIssued } from './samples';
import type { DeadLetter } from '../../consumers/dead-letter';
import { makeSubscriber, readBillingRecord, TIME_GUARD_MS } from './subscriber';
import type { Envelope } from '../envelope';

let n = 0;
function sqsRecord(envelope: Envelope<unknown> | string, attrs?: Record<string, string>): SQSRecord {
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const wire = typeof envelope === 'string' ? {} : billingMessageAttributes(envelope.metadata);
  const messageAttributes = Object.fromEntries(
    Object.entries({
      ...Object.fromEntries(Object.entries(wire).map(([k, v]) => [k, v.StringValue])),
      ...attrs,
    }).map(([k, v]) => [
      k,
      {
        dataType: k === 'version' ? 'Number' : 'String',
        stringValue: v,
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
  return {
    messageId: `m-${++n}`,
    receiptHandle: `rh-${n}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
    awsRegion: 'us-east-1',
  } as SQSRecord;
}

const context = (remaining: () => number) =>
  ({ getRemainingTimeInMillis: remaining, awsRequestId: 'r', functionName: 'f' }) as unknown as Context;
const plenty = context(() => 60_000);

function harness(handle: (type: string) => Promise<void> = async () => undefined) {
  const dead: { id: string; reason: string }[] = [];
  const handled: string[] = [];
  const deadLetter: DeadLetter = async (record, failure) => {
    dead.push({ id: record.messageId, reason: failure.reason });
  };
  const handler = makeSubscriber({
    accepted: [paymentCapturedV1, refundIssuedV1],
    deadLetter,
    handle: async ({ contract, event }) => {
      handled.push(event.metadata.idempotencyKey);
      await handle(contract.type);
    },
  });
  return { handler, dead, handled };
}

describe('readBillingRecord', () => {
  it('parses the body and checks the attributes against it', () => {
    const record = samplePaymentCaptured();
    expect(readBillingRecord(sqsRecord(record), [paymentCapturedV1]).event.data).toEqual(record.data);
    expect(() =>
      readBillingRecord(sqsRecord(record, { recordType: 'RefundIssued' }), [paymentCapturedV1]),
    ).toThrow(PermanentError);
    expect(() => readBillingRecord(sqsRecord(record, { version: '2' }), [paymentCapturedV1])).toThrow(
      /does not match/,
    );
    expect(() => readBillingRecord(sqsRecord('{not json'), [paymentCapturedV1])).toThrow(/not JSON/);
  });
});

describe('makeSubscriber', () => {
  it('processes every good record and reports no failures', async () => {
    const h = harness();
    const out = await h.handler(
      { Records: [sqsRecord(samplePaymentCaptured()), sqsRecord(sampleRefundIssued())] } as SQSEvent,
      plenty,
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(h.handled).toHaveLength(2);
  });

  it('sends a permanent failure to the DLQ at once and acknowledges it; the rest carry on', async () => {
    const h = harness();
    const v2 = JSON.parse(JSON.stringify(samplePaymentCaptured()));
    v2.metadata.version = 2;
    const poison = sqsRecord(v2);
    const good = sqsRecord(sampleRefundIssued());
    const out = await h.handler({ Records: [poison, good] } as SQSEvent, plenty);
    expect(out.batchItemFailures).toEqual([]);
    expect(h.dead).toEqual([{ id: poison.messageId, reason: expect.stringMatching(/v2 is not supported/) }]);
    expect(h.handled).toEqual([JSON.parse(good.body).metadata.idempotencyKey]);
  });

  it('reports a temporary failure as a batch item failure (retried, DLQ after maxReceiveCount)', async () => {
    const h = harness(async (type) => {
      if (type === 'RefundIssued') throw new Error('SES throttled');
    });
    const ok = sqsRecord(samplePaymentCaptured());
    const flaky = sqsRecord(sampleRefundIssued());
    const out = await h.handler({ Records: [ok, flaky] } as SQSEvent, plenty);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: flaky.messageId }]);
    expect(h.dead).toEqual([]);
  });

  it('a domain PermanentError also goes to the DLQ', async () => {
    const h = harness(async () => {
      throw new PermanentError('contradicting record');
    });
    const r = sqsRecord(samplePaymentCaptured());
    const out = await h.handler({ Records: [r] } as SQSEvent, plenty);
    expect(out.batchItemFailures).toEqual([]);
    expect(h.dead.map((d) => d.id)).toEqual([r.messageId]);
  });

  it('stops taking records when the invocation is nearly out of time (X8)', async () => {
    const h = harness();
    const records = [
      sqsRecord(samplePaymentCaptured()),
      sqsRecord(samplePaymentCaptured()),
      sqsRecord(samplePaymentCaptured()),
    ];
    let calls = 0;
    const shortOnTime = context(() => (++calls <= 1 ? 60_000 : TIME_GUARD_MS - 1));
    const out = await h.handler({ Records: records } as SQSEvent, shortOnTime);
    expect(h.handled).toHaveLength(1);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      records[1]!.messageId,
      records[2]!.messageId,
    ]);
  });

  it('if the DLQ itself cannot be reached, the record is retried rather than lost', async () => {
    const r = sqsRecord('garbage');
    const handler = makeSubscriber({
      accepted: [paymentCapturedV1],
      deadLetter: async () => {
        throw new Error('SQS unavailable');
      },
      handle: async () => undefined,
    });
    const good = sqsRecord(samplePaymentCaptured());
    const out = await handler({ Records: [r, good] } as SQSEvent, plenty);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: r.messageId }]);
  });
});
