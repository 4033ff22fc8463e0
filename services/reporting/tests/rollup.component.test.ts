/** P29: the nightly rollup repairs aggregates that drifted from the order rows. */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { rowFromChange } from '../src/domain/order-item';
import type { AffectedKeys } from '../src/domain/ports';
import { buildApplyRows, buildRecomputeDays } from '../src/adapters/read-model';
import { dumpReadModel, freshReadModel, orderItem, type ReadModelDb } from './helpers';

let rm: ReadModelDb;
let makeHandler: (typeof import('../src/handlers/nightly-rollup'))['makeHandler'];
const NOW = new Date('2026-11-22T02:15:00.000Z');

beforeAll(async () => {
  rm = await freshReadModel(inject('postgresUrl'));
  const rows = [
    orderItem({ customerId: 'gina', status: 'CONFIRMED', createdAt: '2026-11-21T08:00:00.000Z' }),
    orderItem({
      customerId: 'gina',
      status: 'CONFIRMED',
      createdAt: '2026-11-20T08:00:00.000Z',
      currency: 'GBP',
    }),
    orderItem({ customerId: 'hugo', status: 'CANCELLED', createdAt: '2026-11-19T08:00:00.000Z' }),
    orderItem({ customerId: 'hugo', status: 'CONFIRMED', createdAt: '2026-11-10T08:00:00.000Z' }), // outside the window
  ].map((item) => rowFromChange({ eventName: 'INSERT', keys: { SK: 'ORDER' }, newImage: item })!);
  await buildApplyRows(rm.pool)(rows);
  process.env.DATABASE_URL = rm.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.CACHE_PREFIX = `${uniqueName('rpt-rollup')}:`;
  makeHandler = (await import('../src/handlers/nightly-rollup')).makeHandler;
});

afterAll(async () => {
  await rm?.close();
});

describe('nightly rollup', () => {
  it('finds nothing to fix when the projector kept the aggregates right', async () => {
    const told: AffectedKeys[] = [];
    const rollup = makeHandler({
      recomputeDays: buildRecomputeDays(rm.pool),
      readModelChanged: async (a) => void told.push(a),
      now: () => NOW,
      days: 3,
    });

    const result = await rollup();

    expect(result).toMatchObject({
      from: '2026-11-19',
      to: '2026-11-21',
      days: 3,
      customers: 2,
      corrected: 0,
    });
    expect(told).toEqual([]);
  });

  it('repairs drifted, missing and stray aggregate rows in its window and invalidates what it fixed', async () => {
    // Prepare: damage the aggregates behind the projector's back.
    const clean = await dumpReadModel(rm.pool);
    await rm.pool.query(`UPDATE reporting.daily_sales SET orders = 99 WHERE day = '2026-11-21'`);
    await rm.pool.query(`DELETE FROM reporting.daily_sales WHERE day = '2026-11-20'`);
    await rm.pool.query(`INSERT INTO reporting.daily_sales VALUES ('2026-11-19', 'USD', 1, 1, 1, now())`);
    await rm.pool.query(`UPDATE reporting.customer_summaries SET spent = 0 WHERE customer_id = 'gina'`);
    const told: AffectedKeys[] = [];
    const rollup = makeHandler({
      recomputeDays: buildRecomputeDays(rm.pool),
      readModelChanged: async (a) => void told.push(a),
      now: () => NOW,
      days: 3,
    });

    // Act
    const first = await rollup();
    const second = await rollup();

    // Assess
    expect(first.corrected).toBe(4); // keys repaired: 3 days + 1 customer (both of gina's currency rows)
    expect(told).toEqual([{ days: ['2026-11-19', '2026-11-20', '2026-11-21'], customers: ['gina'] }]);
    expect(second.corrected).toBe(0);
    expect(await dumpReadModel(rm.pool)).toEqual(clean);
  });

  it('runs through the deployed wiring', async () => {
    const { handler } = await import('../src/handlers/nightly-rollup');
    const result = await (handler as unknown as (e: unknown, c: Context) => Promise<{ corrected: number }>)(
      {},
      lambdaContext() as unknown as Context,
    );
    expect(result.corrected).toBe(0);
    const { closePool } = await import('@order-platform/shared/db/postgres');
    const { closeRedis } = await import('@order-platform/shared/cache/redis');
    await closePool();
    await closeRedis();
  });
});
