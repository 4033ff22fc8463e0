import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '@order-platform/shared/errors';
import { cancelOrderFor, getOrderFor, listOrdersFor, placeOrder, type PlaceOrderDeps } from './use-cases';
import type { Order, OrderView } from './order';
import type { CancelOrder, GetOrder, PriceLines, SaveNewOrder } from './ports';

/** An in-memory fake of the orders table ports. */
function fakeStore() {
  const orders = new Map<string, Order>();
  const keys = new Map<string, { response: OrderView; fingerprint: string }>();
  const saveNewOrder: SaveNewOrder = async (order, idem) => {
    if (idem) {
      const seen = keys.get(idem.key);
      if (seen) return { created: false, firstResponse: seen.response, fingerprint: seen.fingerprint };
      keys.set(idem.key, { response: idem.response, fingerprint: idem.fingerprint });
    }
    orders.set(order.orderId, order);
    return { created: true, order };
  };
  const getOrder: GetOrder = async (id) => orders.get(id);
  const cancelOrder: CancelOrder = async (id, reason) => {
    const o = orders.get(id);
    if (!o || !['PLACED', 'RESERVED', 'PAYMENT_PENDING'].includes(o.status))
      return { cancelled: false, ...(o ? { current: o } : {}) };
    const next = { ...o, status: 'CANCELLED' as const, statusReason: reason, version: o.version + 1 };
    orders.set(id, next);
    return { cancelled: true, order: next };
  };
  return { orders, saveNewOrder, getOrder, cancelOrder };
}

const me = { customerId: 'c-1', role: 'customer' as const, email: 'c-1@example.com' };
const input = { currency: 'EUR' as const, lines: [{ sku: 'SKU-1', quantity: 2 }] };

/** The catalog at the port: every SKU at 10 cents, unless told otherwise. */
const catalog =
  (prices: Record<string, number> = {}): PriceLines =>
  async (_currency, skus) =>
    skus.map((sku) => ({ sku, kind: 'physical' as const, unitPrice: prices[sku] ?? 10 }));

/** placeOrder over the fake store and the fake catalog; a test overrides what it is about. */
const placing = (store: ReturnType<typeof fakeStore>, over: Partial<PlaceOrderDeps> = {}) =>
  placeOrder({
    saveNewOrder: store.saveNewOrder,
    priceLines: catalog(),
    newOrderId: () => 'ord_x',
    now: () => new Date(0),
    ...over,
  });

describe('placeOrder', () => {
  it('replays the first response for a repeated key and rejects a reused key with another body', async () => {
    const store = fakeStore();
    let n = 0;
    const place = placing(store, { newOrderId: () => `ord_${++n}` });
    const first = await place(input, me, { correlationId: 'c', idempotencyKey: 'k' });
    const again = await place(input, me, { correlationId: 'c', idempotencyKey: 'k' });
    expect(again).toEqual({ order: first.order, replayed: true });
    expect(store.orders.size).toBe(1);
    await expect(
      place({ ...input, currency: 'USD' }, me, { correlationId: 'c', idempotencyKey: 'k' }),
    ).rejects.toBeInstanceOf(UnprocessableError);
  });

  it('records the contact from the token, or from the body when the token has none, else refuses', async () => {
    const store = fakeStore();
    let n = 0;
    const place = placing(store, { newOrderId: () => `ord_${++n}` });
    const fromToken = await place(input, me, { correlationId: 'c' });
    const anonymous = { customerId: 'c-2', role: 'customer' as const };
    const fromBody = await place({ ...input, contactEmail: 'two@example.com' }, anonymous, {
      correlationId: 'c',
    });
    expect(store.orders.get(fromToken.order.orderId)!.customerEmail).toBe('c-1@example.com');
    expect(fromBody.order.contactEmail).toBe('two@example.com');
    await expect(place(input, anonymous, { correlationId: 'c' })).rejects.toThrow(/contact address/);
    expect(store.orders.size).toBe(2);
  });
});

describe('orders are priced by the platform', () => {
  it('takes each price from the catalog at the moment of placing, and keeps it', async () => {
    const store = fakeStore();
    const place = placing(store, { priceLines: catalog({ 'SKU-1': 1250 }), newOrderId: () => 'ord_p' });
    const { order } = await place(input, me, { correlationId: 'c' });
    expect(order.lines).toEqual([{ sku: 'SKU-1', quantity: 2, unitPrice: 1250, kind: 'physical' }]);
    expect(order.total).toBe(2500);
  });

  it('writes nothing when the catalog refuses a SKU', async () => {
    const store = fakeStore();
    const place = placing(store, {
      priceLines: async () => {
        throw new UnprocessableError('Unknown SKU: SKU-1');
      },
      newOrderId: () => 'ord_q',
    });
    await expect(place(input, me, { correlationId: 'c' })).rejects.toThrow('Unknown SKU: SKU-1');
    expect(store.orders.size).toBe(0);
  });
});

describe('reading and cancelling', () => {
  it("hides other customers' orders but lets an admin see them", async () => {
    const store = fakeStore();
    const place = placing(store, { newOrderId: () => 'ord_x' });
    await place(input, me, { correlationId: 'c' });
    const get = getOrderFor(store.getOrder);
    await expect(get('ord_x', { customerId: 'c-2', role: 'customer' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(get('ord_x', { customerId: 'ops', role: 'admin' })).resolves.toMatchObject({
      orderId: 'ord_x',
    });
  });

  it('forbids listing for someone else', async () => {
    const list = listOrdersFor(async () => ({ orders: [] }));
    await expect(list('c-2', me, { limit: 10 })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('cancels from PLACED, then conflicts', async () => {
    const store = fakeStore();
    await placing(store, { newOrderId: () => 'ord_y' })(input, me, { correlationId: 'c' });
    const cancel = cancelOrderFor({
      getOrder: store.getOrder,
      cancelOrder: store.cancelOrder,
      now: () => new Date(0),
    });
    await expect(cancel('ord_y', 'r', me, 'c')).resolves.toMatchObject({ status: 'CANCELLED' });
    await expect(cancel('ord_y', 'r', me, 'c')).rejects.toBeInstanceOf(ConflictError);
  });

  it('reports a conflict when the status changes between read and conditional write', async () => {
    const store = fakeStore();
    await placing(store, { newOrderId: () => 'ord_z' })(input, me, { correlationId: 'c' });
    const racing: CancelOrder = async () => ({
      cancelled: false,
      current: { ...store.orders.get('ord_z')!, status: 'CONFIRMED' },
    });
    const cancel = cancelOrderFor({ getOrder: store.getOrder, cancelOrder: racing, now: () => new Date(0) });
    await expect(cancel('ord_z', 'r', me, 'c')).rejects.toThrow(/CONFIRMED/);
  });
});
