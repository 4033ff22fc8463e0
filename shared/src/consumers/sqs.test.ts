import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermanentError, PoisonMessageError } from '../errors';
import { currentCorrelationId, logger } from '../observability';
import type { Failure } from './failures';
import { sqsConsumer, sqsFifoConsumer } from './sqs';
import { context, failedIds, sqsRecord } from './test-records';

function parked() {
  const out: { id: string; failure: Failure }[] = [];
  const deadLetter = async (record: SQSRecord, failure: Failure) =>
    void out.push({ id: record.messageId, failure });
  return { out, deadLetter };
}

describe('sqsConsumer (standard queue)', () => {
  it('reports a retryable failure, parks permanent and poison records and acknowledges them', async () => {
    const dlq = parked();
    const handler = sqsConsumer({
      deadLetter: dlq.deadLetter,
      handle: async (r) => {
        if (r.body === 'down') throw new Error('database down');
        if (r.body === 'bad') throw new PermanentError('no such product');
        if (r.body === 'junk') throw new PoisonMessageError('not JSON');
      },
    });
    const records = ['ok', 'down', 'bad', 'junk'].map((b) => sqsRecord(b));

    const response = await handler({ Records: records }, context());

    expect(failedIds(response)).toEqual([records[1]!.messageId]);
    expect(dlq.out).toEqual([
      {
        id: records[2]!.messageId,
        failure: { kind: 'permanent', reason: 'PermanentError: no such product' },
      },
      { id: records[3]!.messageId, failure: { kind: 'poison', reason: 'PoisonMessageError: not JSON' } },
    ]);
  });

  it('starts no record once the time guard is reached and reports every one not started', async () => {
    const handled: string[] = [];
    let remaining = 60_000;
    const handler = sqsConsumer({
      deadLetter: parked().deadLetter,
      timeGuardMs: 2_000,
      handle: async (r) => {
        handled.push(r.body);
        remaining = 1_999;
      },
    });
    const records = ['a', 'b', 'c'].map((b) => sqsRecord(b));

    const response = await handler(
      { Records: records },
      context(() => remaining),
    );

    expect(handled).toEqual(['a']);
    expect(failedIds(response)).toEqual([records[1]!.messageId, records[2]!.messageId]);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    logger.setLogLevel('SILENT');
  });

  it('runs each record in its own correlation scope, even when they run at once', async () => {
    const lines: { message: string; correlationId?: string }[] = [];
    const cons = (logger as unknown as { console: { info: (...a: unknown[]) => void } }).console;
    vi.spyOn(cons, 'info').mockImplementation((...a: unknown[]) => void lines.push(JSON.parse(String(a[0]))));
    logger.setLogLevel('INFO');
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handler = sqsConsumer({
      deadLetter: parked().deadLetter,
      parallel: true,
      handle: async (r) => {
        // The first record waits for the second to start, so their awaits interleave.
        if (r.body === 'second') release();
        else await gate;
        seen.push(`${r.body}:${currentCorrelationId()}`);
        logger.info(`handled ${r.body}`);
      },
    });
    const records = [sqsRecord('first', { attrs: { correlationId: 'c-1' } }), sqsRecord('second')];

    await handler({ Records: records }, context());

    expect(seen).toEqual([`second:${records[1]!.messageId}`, 'first:c-1']);
    expect(lines.map((l) => [l.message, l.correlationId])).toEqual([
      ['handled second', records[1]!.messageId],
      ['handled first', 'c-1'],
    ]);
  });

  it('retries a permanent failure whose parking failed (the redrive still catches it later)', async () => {
    const handler = sqsConsumer({
      deadLetter: async () => {
        throw new Error('DLQ unreachable');
      },
      handle: async () => {
        throw new PermanentError('bad');
      },
    });
    const record = sqsRecord('x');

    expect(failedIds(await handler({ Records: [record] }, context()))).toEqual([record.messageId]);
  });
});

describe('sqsFifoConsumer', () => {
  it('stops a group at its first failure and lets the other groups go on', async () => {
    const handled: string[] = [];
    const handler = sqsFifoConsumer({
      deadLetter: parked().deadLetter,
      handle: async (r) => {
        if (r.body === 'a2') throw new Error('not yet');
        handled.push(r.body);
      },
    });
    const records = [
      sqsRecord('a1', { group: 'A' }),
      sqsRecord('b1', { group: 'B' }),
      sqsRecord('a2', { group: 'A' }),
      sqsRecord('b2', { group: 'B' }),
      sqsRecord('a3', { group: 'A' }),
    ];

    const response = await handler({ Records: records }, context());

    expect(handled).toEqual(['a1', 'b1', 'b2']);
    expect(failedIds(response)).toEqual([records[2]!.messageId, records[4]!.messageId]);
  });

  it('parks a record that can never succeed without holding its group back', async () => {
    const dlq = parked();
    const handled: string[] = [];
    const handler = sqsFifoConsumer({
      deadLetter: dlq.deadLetter,
      handle: async (r) => {
        if (r.body === 'a1') throw new PoisonMessageError('unreadable');
        handled.push(r.body);
      },
    });
    const records = [sqsRecord('a1', { group: 'A' }), sqsRecord('a2', { group: 'A' })];

    const response = await handler({ Records: records }, context());

    expect(failedIds(response)).toEqual([]);
    expect(handled).toEqual(['a2']);
    expect(dlq.out.map((p) => p.id)).toEqual([records[0]!.messageId]);
  });
});
