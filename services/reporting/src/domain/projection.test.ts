import { describe, expect, it } from 'vitest';
import type { RawChange } from './order-item';
import { projectBatch, type StreamItem } from './projection';
import type { ApplyRows } from './ports';

const order = (id: string, version = 1) => ({
  SK: 'ORDER',
  entity: 'Order',
  orderId: id,
  customerId: 'c-1',
  status: 'PLACED',
  lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
  total: 100,
  currency: 'EUR',
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  version,
});
const item = (id: string, change: Partial<RawChange> = {}): StreamItem => ({
  id,
  change: { eventName: 'INSERT', keys: { SK: 'ORDER' }, newImage: order(`ord_${id}`), ...change },
});
const plenty = () => 60_000;

function recorder(fail?: (call: number) => boolean) {
  const calls: string[][] = [];
  const applyRows: ApplyRows = async (rows) => {
    calls.push(rows.map((r) => r.orderId));
    if (fail?.(calls.length)) throw new Error('database unavailable');
    return { applied: rows.length, affected: { days: ['2026-11-20'], customers: ['c-1'] } };
  };
  return { calls, applyRows };
}

describe('projectBatch', () => {
  it('applies a batch chunk by chunk and notifies the cache once per chunk', async () => {
    // Prepare
    const { calls, applyRows } = recorder();
    const notified: unknown[] = [];
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async (a) => void notified.push(a),
      chunkSize: 2,
    });

    // Act
    const outcome = await project(
      ['1', '2', '3'].map((id) => item(id)),
      plenty,
    );

    // Assess
    expect(outcome).toMatchObject({ failedIds: [], applied: 3, ignored: 0, poisoned: 0 });
    expect(calls).toEqual([['ord_1', 'ord_2'], ['ord_3']]);
    expect(notified).toHaveLength(2);
  });

  it('reports the failed chunk and everything after it, and applies nothing after a failure', async () => {
    const { calls, applyRows } = recorder((n) => n === 2);
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
      chunkSize: 2,
    });

    const outcome = await project(
      ['1', '2', '3', '4', '5'].map((id) => item(id)),
      plenty,
    );

    expect(outcome.failedIds).toEqual(['3', '4', '5']);
    expect(outcome.error).toBeInstanceOf(Error);
    expect(calls).toHaveLength(2);
  });

  it('stops before a chunk when the remaining time is below the guard (X8)', async () => {
    const { calls, applyRows } = recorder();
    let remaining = 10_000;
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
      chunkSize: 1,
      timeGuardMs: 5_000,
    });

    const outcome = await project(
      ['1', '2', '3'].map((id) => item(id)),
      () => (remaining -= 3_000),
    );

    expect(calls).toEqual([['ord_1']]);
    expect(outcome.failedIds).toEqual(['2', '3']);
    expect(outcome.error).toMatchObject({ name: 'OutOfTimeError' });
  });

  it('parks a record that breaks the contract and goes on with the rest', async () => {
    const { calls, applyRows } = recorder();
    const parked: string[] = [];
    const project = projectBatch({
      applyRows,
      parkPoison: async (i) => void parked.push(i.id),
      readModelChanged: async () => undefined,
    });

    const outcome = await project(
      [item('1'), item('2', { newImage: { ...order('ord_2'), version: 'two' } }), item('3')],
      plenty,
    );

    expect(parked).toEqual(['2']);
    expect(outcome).toMatchObject({ failedIds: [], poisoned: 1, applied: 2 });
    expect(calls).toEqual([['ord_1', 'ord_3']]);
  });

  it('ignores items that are not orders', async () => {
    const { calls, applyRows } = recorder();
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
    });

    const outcome = await project(
      [item('1', { keys: { SK: 'IDEMPOTENCY' }, newImage: { entity: 'Idempotency' } })],
      plenty,
    );

    expect(outcome).toMatchObject({ ignored: 1, applied: 0, failedIds: [] });
    expect(calls).toEqual([[]]);
  });

  it('does not fail the batch when the cache cannot be told (the write is committed)', async () => {
    const { applyRows } = recorder();
    const errors: unknown[] = [];
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async () => {
        throw new Error('redis down');
      },
      onReadModelChangedError: (e) => errors.push(e),
    });

    const outcome = await project([item('1')], plenty);

    expect(outcome.failedIds).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('fails the chunk when a poison record cannot be parked (it is retried, not lost)', async () => {
    const { applyRows } = recorder();
    const project = projectBatch({
      applyRows,
      parkPoison: async () => {
        throw new Error('sqs down');
      },
      readModelChanged: async () => undefined,
    });

    const outcome = await project([item('1'), item('2', { newImage: { nope: true } })], plenty);

    expect(outcome.failedIds).toEqual(['1', '2']);
  });

  it('waits out a database outage: a chunk is tried again until the database answers, in order', async () => {
    // Prepare: the first three tries find the database down.
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const calls: string[][] = [];
    const project = projectBatch({
      applyRows: async (rows) => {
        calls.push(rows.map((r) => r.orderId));
        if (calls.length <= 3) throw unreachable;
        return { applied: rows.length, affected: { days: [], customers: [] } };
      },
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
      chunkSize: 2,
      isUnreachable: (e) => e === unreachable,
      outageBackoff: { firstMs: 1, maxMs: 4 },
    });

    // Act
    const outcome = await project(
      ['1', '2', '3'].map((id) => item(id)),
      plenty,
    );

    // Assess: nothing reported failed, each chunk applied once the database was back.
    expect(outcome.failedIds).toEqual([]);
    expect(outcome.applied).toBe(3);
    expect(calls).toEqual([
      ['ord_1', 'ord_2'],
      ['ord_1', 'ord_2'],
      ['ord_1', 'ord_2'],
      ['ord_1', 'ord_2'],
      ['ord_3'],
    ]);
  });

  it('stops waiting when the invocation has no time left, and reports the rest for the retry', async () => {
    const unreachable = Object.assign(new Error('the database system is shutting down'), { code: '57P01' });
    let left = 10_000;
    let tries = 0;
    const project = projectBatch({
      applyRows: async () => {
        tries++;
        left -= 3_000; // each try costs the invocation 3 s of its time
        throw unreachable;
      },
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
      timeGuardMs: 1_000,
      isUnreachable: (e) => e === unreachable,
      outageBackoff: { firstMs: 1, maxMs: 2_000 },
    });

    const outcome = await project(
      ['1', '2'].map((id) => item(id)),
      () => left,
    );

    // 10 s: tried at 10, 7 and 4 s left; at 1 s left there is no room for a pause and a try.
    expect(tries).toBe(3);
    expect(outcome.failedIds).toEqual(['1', '2']);
    expect(outcome.error).toBe(unreachable);
  });

  it('does not retry an error the database answered', async () => {
    const { calls, applyRows } = recorder(() => true);
    const project = projectBatch({
      applyRows,
      parkPoison: async () => undefined,
      readModelChanged: async () => undefined,
      isUnreachable: () => false,
      outageBackoff: { firstMs: 1, maxMs: 2 },
    });
    const outcome = await project([item('1')], plenty);
    expect(calls).toHaveLength(1);
    expect(outcome.failedIds).toEqual(['1']);
  });
});
