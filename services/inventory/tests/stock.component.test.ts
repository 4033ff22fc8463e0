/**
 * Reserve and release over a real DynamoDB API (moto), through the deployed handlers.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGetStockLevels, buildSetStock, documentClient } from '../src/adapters/stock-table';
import type { ReleaseResult, ReserveResult } from '../src/domain/stock';
import { startSerialGate, type SerialGate } from '@order-platform/test-support/serial-gate';
import { createTableFromTemplate, fakeContext, newOrderId, unique } from './support';

type Fn<I, O> = (event: I, context: ReturnType<typeof fakeContext>) => Promise<O>;
let reserve: Fn<unknown, ReserveResult>;
let release: Fn<unknown, ReleaseResult>;
let levels: ReturnType<typeof buildGetStockLevels>;
let setStock: ReturnType<typeof buildSetStock>;

const ctx = fakeContext();
const stockOf = async (sku: string) => (await levels([sku]))[0]!;
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

let gate: SerialGate;

beforeAll(async () => {
  gate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
  const client = new DynamoDBClient({});
  const table = unique('inventory');
  await createTableFromTemplate('InventoryTable', table);
  process.env.TABLE_NAME = table;
  reserve = (await import('../src/handlers/reserve-stock')).handler as unknown as Fn<unknown, ReserveResult>;
  release = (await import('../src/handlers/release-stock')).handler as unknown as Fn<unknown, ReleaseResult>;
  const doc = documentClient(client);
  levels = buildGetStockLevels(doc, table);
  setStock = buildSetStock(doc, table);
});

afterAll(async () => {
  await gate.stop();
});

describe('reserveStock / releaseStock over DynamoDB', () => {
  it('reserves once: a repeated reserve returns the same result and changes nothing', async () => {
    // Prepare
    await setStock('MUG-RED', 10, new Date().toISOString());
    const orderId = newOrderId();
    const input = { orderId, lines: [{ sku: 'MUG-RED', quantity: 3 }] };
    // Act
    const first = await reserve(input, ctx);
    const again = await reserve(input, ctx);
    // Assess
    expect(first.status).toBe('RESERVED');
    expect(again).toEqual(first);
    expect(await stockOf('MUG-RED')).toMatchObject({ available: 7, reserved: 3 });
  });

  it('is all-or-nothing across lines: one short line reserves nothing', async () => {
    await setStock('CAP-BLUE', 5, new Date().toISOString());
    await setStock('CAP-GREEN', 1, new Date().toISOString());
    const error = await errorOf(
      reserve(
        {
          orderId: newOrderId(),
          lines: [
            { sku: 'CAP-BLUE', quantity: 2 },
            { sku: 'CAP-GREEN', quantity: 2 },
            { sku: 'NO-SUCH-SKU', quantity: 1 },
          ],
        },
        ctx,
      ),
    );
    expect(error?.name).toBe('OutOfStockError');
    expect(error?.message).toContain('CAP-GREEN (requested 2, available 1)');
    expect(error?.message).toContain('NO-SUCH-SKU (requested 1, available 0)');
    expect(await stockOf('CAP-BLUE')).toMatchObject({ available: 5, reserved: 0 });
    expect(await stockOf('CAP-GREEN')).toMatchObject({ available: 1, reserved: 0 });
  });

  it('never oversells: 20 concurrent reserves compete for 7 units', async () => {
    // Prepare: 7 units, 20 orders of 1 unit each (and one of 2, to mix sizes)
    await setStock('LAMP-1', 7, new Date().toISOString());
    const orders = Array.from({ length: 20 }, (_, i) => ({
      orderId: newOrderId(),
      lines: [{ sku: 'LAMP-1', quantity: i === 0 ? 2 : 1 }],
    }));
    // Act
    const results = await Promise.allSettled(orders.map((o) => reserve(o, ctx)));
    // Assess: every call either reserved or failed with OutOfStockError; the stock adds up
    const won = orders.filter((_, i) => results[i]!.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost.every((r) => (r.reason as Error).name === 'OutOfStockError')).toBe(true);
    const taken = won.reduce((n, o) => n + o.lines[0]!.quantity, 0);
    const after = await stockOf('LAMP-1');
    expect(after.available).toBeGreaterThanOrEqual(0);
    expect(after.available + after.reserved).toBe(7);
    expect(after.reserved).toBe(taken);
    // Demand (21) exceeds supply (7), so the losers lost for a real reason: at most the
    // one unit the 2-unit order could not take is left over.
    expect(after.available).toBeLessThanOrEqual(1);
    if (after.available === 1) expect(won).not.toContain(orders[0]);
  });

  it('releases once: a repeat returns the same result; stock comes back exactly once', async () => {
    await setStock('BAG-1', 4, new Date().toISOString());
    const orderId = newOrderId();
    await reserve({ orderId, lines: [{ sku: 'BAG-1', quantity: 3 }] }, ctx);
    const first = await release({ orderId, reason: 'payment declined' }, ctx);
    const again = await release({ orderId }, ctx);
    expect(first).toMatchObject({ orderId, status: 'RELEASED', lines: [{ sku: 'BAG-1', quantity: 3 }] });
    expect(again).toEqual(first);
    expect(await stockOf('BAG-1')).toMatchObject({ available: 4, reserved: 0 });
  });

  it('concurrent releases of the same order return the stock once', async () => {
    await setStock('BAG-2', 4, new Date().toISOString());
    const orderId = newOrderId();
    await reserve({ orderId, lines: [{ sku: 'BAG-2', quantity: 4 }] }, ctx);
    const results = await Promise.all(Array.from({ length: 5 }, () => release({ orderId }, ctx)));
    expect(new Set(results.map((r) => r.releasedAt)).size).toBe(1);
    expect(await stockOf('BAG-2')).toMatchObject({ available: 4, reserved: 0 });
  });

  it('a reserve after the release of the same order does nothing and says ALREADY_RELEASED', async () => {
    await setStock('PEN-1', 5, new Date().toISOString());
    const orderId = newOrderId();
    // The saga compensated before its (slow) reserve landed.
    expect((await release({ orderId }, ctx)).lines).toEqual([]);
    const late = await reserve({ orderId, lines: [{ sku: 'PEN-1', quantity: 2 }] }, ctx);
    expect(late).toMatchObject({ orderId, status: 'ALREADY_RELEASED', lines: [] });
    expect(await stockOf('PEN-1')).toMatchObject({ available: 5, reserved: 0 });
    // ...and after a normal reserve + release too.
    const other = newOrderId();
    await reserve({ orderId: other, lines: [{ sku: 'PEN-1', quantity: 1 }] }, ctx);
    await release({ orderId: other }, ctx);
    expect((await reserve({ orderId: other, lines: [{ sku: 'PEN-1', quantity: 1 }] }, ctx)).status).toBe(
      'ALREADY_RELEASED',
    );
    expect(await stockOf('PEN-1')).toMatchObject({ available: 5, reserved: 0 });
  });

  it('rejects a malformed request with ValidationError and writes nothing', async () => {
    const error = await errorOf(
      reserve({ orderId: 'not-an-order', lines: [{ sku: 'PEN-1', quantity: -1 }] }, ctx),
    );
    expect(error?.name).toBe('ValidationError');
  });
});
