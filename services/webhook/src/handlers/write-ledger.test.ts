import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { Failure } from '@order-platform/shared/consumers/failures';

vi.hoisted(() => {
  process.env.EVENT_BUS_NAME = 'unit-bus';
  process.env.BILLING_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:unit-billing';
  process.env.PAYMENTS_DLQ_URL = 'https://sqs.local/dlq';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const { makeHandler } = await import('./write-ledger');
const { currentCorrelationId, logger, metrics } = await import('@order-platform/shared/observability');
import type { LedgerEntry } from '../domain/ledger';

const webhookBody = (id: string, echoed: Record<string, unknown> = {}) =>
  JSON.stringify({
    kind: 'provider.webhook',
    correlationId: `c-${id}`,
    receivedAt: '2026-11-22T10:00:00.000Z',
    event: {
      id,
      type: 'payment.succeeded',
      created: 1763800000,
      data: {
        paymentId: `pay_${id}`,
        orderId: 'ord_01JD0000000000000000000000',
        amount: 100,
        currency: 'EUR',
        ...echoed,
      },
    },
  });

const record = (messageId: string, body: string): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:q',
    awsRegion: 'us-east-1',
  }) as unknown as SQSRecord;

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const context = (remainingMs = 10_000) =>
  ({
    getRemainingTimeInMillis: () => remainingMs,
    awsRequestId: 'r',
    functionName: 'f',
  }) as unknown as Context;

function fakes(opts: { failWrite?: Error; failPublish?: boolean; duplicates?: string[] } = {}) {
  const written: LedgerEntry[][] = [];
  const deps = {
    recordEntries: vi.fn(async (entries: readonly LedgerEntry[]) => {
      if (opts.failWrite) throw opts.failWrite;
      written.push([...entries]);
      return {
        inserted: entries.map((e) => e.entryId).filter((id) => !opts.duplicates?.includes(id)),
        outboxIds: entries.map((_, i) => written.length * 100 + i),
      };
    }),
    publishOutbox: vi.fn(async (ids: readonly number[]) => {
      if (opts.failPublish) throw new Error('bus down');
      return { published: ids.length, failed: 0 };
    }),
    deadLetter: vi.fn(async (_record: SQSRecord, _failure: Failure) => undefined),
    now: () => new Date('2026-11-22T10:00:00Z'),
  };
  return { deps, written };
}

describe('writeLedger handler', () => {
  it("logs each payment fact under the payment's own correlation id, even when the batch's records run together", async () => {
    const { deps } = fakes({ duplicates: ['evt_b'] });
    const seen: [string, string][] = [];
    vi.spyOn(logger, 'info').mockImplementation(
      (...args) => void seen.push([String(args[0]), currentCorrelationId()]),
    );
    await makeHandler({ ...deps, mode: 'batch' })(
      event(record('m1', webhookBody('evt_a')), record('m2', webhookBody('evt_b'))),
      context(),
    );
    vi.restoreAllMocks();
    expect(seen.sort()).toEqual([
      ['Ledger entry already recorded (repeat delivery)', 'c-evt_b'],
      ['Ledger entry recorded', 'c-evt_a'],
    ]);
  });

  it('batch mode: one write for the whole batch, then one publish of its outbox rows', async () => {
    const { deps, written } = fakes();
    const handler = makeHandler({ ...deps, mode: 'batch' });
    const res = await handler(
      event(record('1', webhookBody('evt_a')), record('2', webhookBody('evt_b'))),
      context(),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(written.map((b) => b.map((e) => e.entryId))).toEqual([['evt_a', 'evt_b']]);
    expect(deps.publishOutbox).toHaveBeenCalledTimes(1);
    expect(deps.publishOutbox.mock.calls[0]![0]).toHaveLength(2);
  });

  it('single mode: one write per message', async () => {
    const { deps, written } = fakes();
    await makeHandler({ ...deps, mode: 'single' })(
      event(record('1', webhookBody('evt_a')), record('2', webhookBody('evt_b'))),
      context(),
    );
    expect(written).toHaveLength(2);
  });

  it('a permanent failure goes to the DLQ at once and is acknowledged; the others are written', async () => {
    const { deps, written } = fakes();
    const res = await makeHandler({ ...deps, mode: 'batch' })(
      event(record('1', '{not json'), record('2', webhookBody('evt_b')), record('3', '{"kind":"x"}')),
      context(),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(deps.deadLetter).toHaveBeenCalledTimes(2);
    expect(deps.deadLetter.mock.calls.map(([r, f]) => [r.messageId, f.kind, f.reason.slice(0, 20)])).toEqual([
      ['1', 'poison', 'PoisonMessageError: '],
      ['3', 'permanent', 'PermanentError: Not '],
    ]);
    expect(written.flat().map((e) => e.entryId)).toEqual(['evt_b']);
  });

  it('a temporary failure (database down) fails the records for a retry and sends nothing to the DLQ', async () => {
    const { deps } = fakes({
      failWrite: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const res = await makeHandler({ ...deps, mode: 'batch' })(
      event(record('1', webhookBody('evt_a')), record('2', webhookBody('evt_b'))),
      context(),
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '1' }, { itemIdentifier: '2' }]);
    expect(deps.deadLetter).not.toHaveBeenCalled();
    expect(deps.publishOutbox).not.toHaveBeenCalled();
  });

  it('if the DLQ send fails, the poison record is retried rather than lost', async () => {
    const { deps } = fakes();
    deps.deadLetter.mockRejectedValueOnce(new Error('sqs down'));
    const res = await makeHandler({ ...deps, mode: 'batch' })(event(record('1', '{not json')), context());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
  });

  it('stops taking records when too little time is left (X8): nothing written, everything retried', async () => {
    const { deps } = fakes();
    const res = await makeHandler({ ...deps, mode: 'single', timeGuardMs: 3000 })(
      event(record('1', webhookBody('evt_a')), record('2', webhookBody('evt_b'))),
      context(2999),
    );
    expect(res.batchItemFailures).toHaveLength(2);
    expect(deps.recordEntries).not.toHaveBeenCalled();
  });

  it('a failed publish after the commit still acknowledges the messages (the relay publishes later)', async () => {
    const { deps } = fakes({ failPublish: true });
    const res = await makeHandler({ ...deps, mode: 'batch' })(
      event(record('1', webhookBody('evt_a'))),
      context(),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(deps.publishOutbox).toHaveBeenCalledTimes(1);
  });

  it('writes the billing record with a new payment; without the echoed customer it warns and counts, never fails', async () => {
    const { deps, written } = fakes({ duplicates: ['evt_dup'] });
    const warn = vi.spyOn(logger, 'warn');
    const metric = vi.spyOn(metrics, 'addMetric');
    const res = await makeHandler({ ...deps, mode: 'batch' })(
      event(
        record('1', webhookBody('evt_a', { customerId: 'cus_ada', customerEmail: 'ada@example.com' })),
        record('2', webhookBody('evt_b')),
        record('3', webhookBody('evt_dup')),
      ),
      context(),
    );
    expect(res.batchItemFailures).toEqual([]);
    const [a, b] = written[0]!;
    expect(a!.events.map((e) => e.metadata.eventType)).toEqual(['PaymentSucceeded', 'PaymentCaptured']);
    expect(b!.events.map((e) => e.metadata.eventType)).toEqual(['PaymentSucceeded']);
    // Once per new entry without customer data (the duplicate evt_dup is not reported again).
    const skipped = warn.mock.calls.filter(([m]) => String(m).startsWith('No billing record'));
    expect(skipped.map(([, extra]) => (extra as { entryId: string }).entryId)).toEqual(['evt_b']);
    expect(metric.mock.calls.filter(([name]) => name === 'BillingRecordSkipped')).toHaveLength(1);
  });
});
