import { describe, expect, it } from 'vitest';
import type { StockAdjustmentV1 } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import {
  AdjustmentRejectedError,
  InventoryBusyError,
  OutOfStockError,
  ReservationConflictError,
} from './errors';
import type { TryReserve } from './ports';
import type { Reservation, StockLine } from './stock';
import { applyStockAdjustment, getStock, releaseStock, reserveStock } from './use-cases';

/** An in-memory stock table with the same all-or-nothing semantics as the DynamoDB adapter. */
function fakeStore(initial: Record<string, number>) {
  const stock = new Map(Object.entries(initial).map(([sku, available]) => [sku, { available, reserved: 0 }]));
  const reservations = new Map<string, Reservation>();
  const applied = new Set<string>();
  const tryReserve: TryReserve = async (orderId, lines, now) => {
    if (reservations.has(orderId)) return { kind: 'exists' };
    const shortages = lines
      .filter((l) => (stock.get(l.sku)?.available ?? -1) < l.quantity)
      .map((l) => ({ sku: l.sku, requested: l.quantity, available: stock.get(l.sku)?.available ?? 0 }));
    if (shortages.length) return { kind: 'insufficient', shortages };
    for (const l of lines) {
      const s = stock.get(l.sku)!;
      s.available -= l.quantity;
      s.reserved += l.quantity;
    }
    const reservation: Reservation = { orderId, lines, status: 'RESERVED', reservedAt: now };
    reservations.set(orderId, reservation);
    return { kind: 'reserved', reservation };
  };
  return {
    stock,
    reservations,
    tryReserve,
    loadReservation: async (orderId: string) => reservations.get(orderId),
    commitRelease: async (r: Reservation, now: string) => {
      const current = reservations.get(r.orderId);
      if (current?.status !== 'RESERVED') return 'changed' as const;
      for (const l of current.lines) {
        const s = stock.get(l.sku)!;
        s.available += l.quantity;
        s.reserved -= l.quantity;
      }
      reservations.set(r.orderId, { ...current, status: 'RELEASED', releasedAt: now });
      return 'released' as const;
    },
    writeReleaseTombstone: async (orderId: string, now: string) => {
      if (reservations.has(orderId)) return 'exists' as const;
      reservations.set(orderId, { orderId, lines: [], status: 'RELEASED', releasedAt: now });
      return 'written' as const;
    },
    apply: async (a: StockAdjustmentV1) => {
      if (applied.has(a.adjustmentId)) return 'duplicate' as const;
      const s = stock.get(a.sku) ?? { available: 0, reserved: 0 };
      const next = a.setTo ?? s.available + a.delta!;
      if (next < 0) return 'would-go-negative' as const;
      applied.add(a.adjustmentId);
      stock.set(a.sku, { ...s, available: next });
      return 'applied' as const;
    },
  };
}

const now = () => new Date('2026-11-22T10:00:00.000Z');
const lines = (...l: [string, number][]): StockLine[] => l.map(([sku, quantity]) => ({ sku, quantity }));

describe('reserveStock', () => {
  it('reserves all lines, merging repeated SKUs', async () => {
    // Prepare
    const store = fakeStore({ A: 5, B: 5 });
    const reserve = reserveStock({ ...store, now });
    // Act
    const result = await reserve('o1', lines(['B', 1], ['A', 2], ['B', 2]));
    // Assess
    expect(result).toEqual({
      orderId: 'o1',
      status: 'RESERVED',
      lines: lines(['A', 2], ['B', 3]),
      reservedAt: now().toISOString(),
    });
    expect(store.stock.get('B')).toEqual({ available: 2, reserved: 3 });
  });

  it('returns the first result on a repeat and changes nothing', async () => {
    const store = fakeStore({ A: 5 });
    const reserve = reserveStock({ ...store, now });
    const first = await reserve('o1', lines(['A', 2]));
    const again = await reserve('o1', lines(['A', 2]));
    expect(again).toEqual(first);
    expect(store.stock.get('A')).toEqual({ available: 3, reserved: 2 });
  });

  it('refuses the same order with different lines', async () => {
    const store = fakeStore({ A: 5 });
    const reserve = reserveStock({ ...store, now });
    await reserve('o1', lines(['A', 2]));
    await expect(reserve('o1', lines(['A', 3]))).rejects.toBeInstanceOf(ReservationConflictError);
  });

  it('throws OutOfStockError naming every short line and takes nothing', async () => {
    const store = fakeStore({ A: 5, B: 1 });
    const reserve = reserveStock({ ...store, now });
    const error = await reserve('o1', lines(['A', 2], ['B', 3], ['C', 1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfStockError);
    expect((error as OutOfStockError).name).toBe('OutOfStockError');
    expect((error as OutOfStockError).shortages.map((s) => s.sku)).toEqual(['B', 'C']);
    expect(store.stock.get('A')).toEqual({ available: 5, reserved: 0 });
  });

  it('reports ALREADY_RELEASED for a reserve after the release of the same order', async () => {
    const store = fakeStore({ A: 5 });
    await releaseStock({ ...store, now })('o1');
    const result = await reserveStock({ ...store, now })('o1', lines(['A', 2]));
    expect(result.status).toBe('ALREADY_RELEASED');
    expect(store.stock.get('A')).toEqual({ available: 5, reserved: 0 });
  });

  it('retries transaction conflicts, then gives up with the transient InventoryBusyError', async () => {
    let calls = 0;
    const reserve = reserveStock({
      tryReserve: async () => (calls++, { kind: 'conflict' }),
      loadReservation: async () => undefined,
      now,
    });
    await expect(reserve('o1', lines(['A', 1]))).rejects.toBeInstanceOf(InventoryBusyError);
    expect(calls).toBe(4);
  });
});

describe('releaseStock', () => {
  it('returns the lines to stock once; a repeat returns the same result', async () => {
    const store = fakeStore({ A: 5 });
    await reserveStock({ ...store, now })('o1', lines(['A', 2]));
    const release = releaseStock({ ...store, now });
    const first = await release('o1');
    const again = await release('o1');
    expect(first).toEqual({
      orderId: 'o1',
      status: 'RELEASED',
      lines: lines(['A', 2]),
      releasedAt: now().toISOString(),
    });
    expect(again).toEqual(first);
    expect(store.stock.get('A')).toEqual({ available: 5, reserved: 0 });
  });

  it('releases an order that was never reserved as an empty release', async () => {
    const store = fakeStore({});
    expect(await releaseStock({ ...store, now })('o9')).toEqual({
      orderId: 'o9',
      status: 'RELEASED',
      lines: [],
      releasedAt: now().toISOString(),
    });
  });
});

describe('getStock', () => {
  it('reports unknown SKUs as 0 and known false, in the order asked', async () => {
    const get = getStock(async () => [{ sku: 'B', available: 3, reserved: 1, version: 2, known: true }]);
    expect(await get(['A', 'B', 'A'])).toEqual({
      items: [
        { sku: 'A', available: 0, reserved: 0, version: 0, known: false },
        { sku: 'B', available: 3, reserved: 1, version: 2, known: true },
      ],
    });
  });
});

describe('applyStockAdjustment', () => {
  const adj = (id: string, patch: Partial<StockAdjustmentV1>): StockAdjustmentV1 => ({
    adjustmentId: id,
    sku: 'A',
    reason: 'restock',
    occurredAt: '2026-11-22T09:00:00.000Z',
    ...patch,
  });

  it('applies once per adjustmentId', async () => {
    const store = fakeStore({ A: 1 });
    const apply = applyStockAdjustment(store.apply, now);
    expect(await apply(adj('a1', { delta: 4 }))).toBe('applied');
    expect(await apply(adj('a1', { delta: 4 }))).toBe('duplicate');
    expect(store.stock.get('A')!.available).toBe(5);
  });

  it('rejects (retryably) an adjustment that would take stock below 0', async () => {
    const store = fakeStore({ A: 1 });
    await expect(applyStockAdjustment(store.apply, now)(adj('a2', { delta: -2 }))).rejects.toBeInstanceOf(
      AdjustmentRejectedError,
    );
  });
});
