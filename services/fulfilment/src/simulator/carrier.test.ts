/**
 * The simulated carrier's faults, over real HTTP on loopback: how each booking mode
 * answers, and how status updates are repeated, delayed and reordered. Waits poll for
 * what they wait for; no sleep decides an outcome.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CARRIER_STEPS,
  parseCarrierControl,
  startSimulatedCarrier,
  updateOrder,
  type SimulatedCarrier,
} from './carrier';

interface Received {
  eventId: string;
  status: string;
  at: number;
}

/** A stand-in for the platform's carrier endpoint: records every update it is sent. */
async function receiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received;
      got.push({ eventId: body.eventId, status: body.status, at: Date.now() });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/carrier`,
    got,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const book = (carrier: SimulatedCarrier, reference: string, timeoutMs = 2_000) =>
  fetch(`${carrier.url}/shipments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': reference },
    body: JSON.stringify({ orderId: 'ord_1', customerId: 'c-1', sku: 'MUG-LOGO', quantity: 1 }),
    signal: AbortSignal.timeout(timeoutMs),
  });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(webhookUrl?: string) {
  const carrier = await startSimulatedCarrier({
    settings: { stepMs: 5 },
    ...(webhookUrl ? { webhookUrl } : {}),
  });
  cleanups.push(() => carrier.stop());
  return carrier;
}

describe('the simulated carrier under faults', () => {
  it('unavailable: 503 and nothing booked; up again: booked once', async () => {
    const carrier = await start();
    carrier.control({ mode: 'unavailable' });
    expect((await book(carrier, 'ord_1#1')).status).toBe(503);
    expect(carrier.bookings.size).toBe(0);
    carrier.control({ mode: 'up' });
    expect((await book(carrier, 'ord_1#1')).status).toBe(201);
    expect(carrier.bookings.size).toBe(1);
  });

  it('down: the connection closes without an answer; hang: the client gives up', async () => {
    const carrier = await start();
    carrier.control({ mode: 'down' });
    await expect(book(carrier, 'ord_1#1')).rejects.toThrow();
    carrier.control({ mode: 'hang' });
    await expect(book(carrier, 'ord_1#1', 200)).rejects.toThrow(/abort|timeout/i);
    expect(carrier.bookings.size).toBe(0);
  });

  it('lost-answer: booked but unanswered; the retry with the same key gets the one shipment', async () => {
    const carrier = await start();
    carrier.control({ mode: 'lost-answer' });
    await expect(book(carrier, 'ord_1#1')).rejects.toThrow();
    expect(carrier.bookings.get('ord_1#1')?.answerLost).toBe(true);
    const retry = await book(carrier, 'ord_1#1');
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { trackingNumber: string }).trackingNumber).toBe(
      carrier.bookings.get('ord_1#1')!.trackingNumber,
    );
    expect(carrier.bookings.size).toBe(1);
  });

  it('refuse: every new booking is a 422 with a reason', async () => {
    const carrier = await start();
    carrier.control({ mode: 'refuse' });
    const r = await book(carrier, 'ord_1#1');
    expect(r.status).toBe(422);
    expect(((await r.json()) as { message: string }).message).toMatch(/no new shipments/);
  });

  it('updates: repeated with the same event id, late, and out of order', async () => {
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const carrier = await start(hook.url);
    carrier.control({ updates: { repeat: 1, outOfOrder: true, lateMs: 30 } });
    const bookedAt = Date.now();
    expect((await book(carrier, 'ord_1#1')).status).toBe(201);
    await until(() => hook.got.length === CARRIER_STEPS.length * 2, 'every update twice');
    const statuses = hook.got.map((g) => g.status);
    expect(statuses).toEqual(updateOrder(true).flatMap((s) => [s, s]));
    expect(statuses.slice(0, 2)).toEqual(['in_transit', 'in_transit']);
    for (let i = 0; i < hook.got.length; i += 2) expect(hook.got[i]!.eventId).toBe(hook.got[i + 1]!.eventId);
    expect(new Set(hook.got.map((g) => g.eventId)).size).toBe(CARRIER_STEPS.length);
    expect(hook.got[0]!.at - bookedAt).toBeGreaterThanOrEqual(30);
  });

  it('updates set later do not change shipments already booked', async () => {
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const carrier = await start(hook.url);
    carrier.control({ stepMs: 50 });
    expect((await book(carrier, 'ord_1#1')).status).toBe(201);
    carrier.control({ updates: { repeat: 2 } });
    await until(() => hook.got.length >= CARRIER_STEPS.length, 'every update');
    await until(() => carrier.bookings.get('ord_1#1')!.delivered.length === CARRIER_STEPS.length, 'delivery');
    expect(hook.got.map((g) => g.status)).toEqual([...CARRIER_STEPS]);
  });

  it('refuses a control body it does not understand, naming the field', async () => {
    expect(() => parseCarrierControl({ mode: 'on-strike' })).toThrow(/mode: /);
    expect(() => parseCarrierControl({ updates: { repeat: -1 } })).toThrow(/updates\.repeat: /);
    expect(() => parseCarrierControl({ updates: { delay: 1 } })).toThrow(/delay/);
    expect(() => parseCarrierControl({ updates: { outOfOrder: 'yes' } })).toThrow(/updates\.outOfOrder: /);
    expect(parseCarrierControl({ mode: 'hang', updates: { repeat: 1 } })).toEqual({
      mode: 'hang',
      updates: { repeat: 1 },
    });
    const carrier = await start();
    const r = await fetch(`${carrier.url}/_control`, { method: 'POST', body: '{"stepMs":"fast"}' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/stepMs/);
  });
});
