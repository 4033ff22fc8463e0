/**
 * The simulated provider's webhooks: signed exactly as the webhook service verifies them
 * (services/webhook/src/domain/signature.ts), checked here both with that verifier and
 * independently with node:crypto, delivered to a real local HTTP receiver.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../webhook/src/client/signature';
import { buildProviderClient } from '../src/adapters/provider-client';
import { PaymentDeclinedError } from '../src/domain/errors';
import { startSimulatedProvider, type SimulatedProvider, type WebhookEvent } from '../src/simulator/provider';
import { newOrderId } from './support';

const SECRET = 'whsec_test_secret';
interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
let sim: SimulatedProvider;

const client = () =>
  buildProviderClient({ baseUrl: sim.url, timeoutMs: 2_000, apiKey: async () => 'sk_sim' });
const order = () => ({ orderId: newOrderId(), amount: 1999, currency: 'USD', customerId: 'cust-7' });

/** The scheme, written out independently: t=<unix s>,v1=<hex HMAC-SHA256(secret, `${t}.${raw}`)>. */
function independentlyValid(header: string, raw: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', SECRET).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    Math.abs(Date.now() / 1000 - Number(parts.t)) < 300
  );
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(failNext > 0 ? (failNext--, 500) : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sim = await startSimulatedProvider({
    apiKey: 'sk_sim',
    confirmDelayMs: 10,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/payments`,
    signingSecret: SECRET,
  });
});

afterAll(async () => {
  await sim.stop();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

describe('simulated provider webhooks', () => {
  it('confirms an approved charge with a correctly signed payment.succeeded', async () => {
    // Prepare
    received = [];
    sim.control({ mode: 'approve' });
    const input = order();
    // Act
    const charge = await client().charge(input, `charge-${input.orderId}`);
    await sim.webhooksSettled();
    // Assess
    expect(received).toHaveLength(1);
    const { headers, raw } = received[0]!;
    const header = headers['payment-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature({ header, rawBody: raw, secrets: [SECRET] })).toMatchObject({ ok: true });
    expect(independentlyValid(header, raw)).toBe(true);
    expect(verifySignature({ header, rawBody: raw, secrets: ['another-secret'] })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const event = JSON.parse(raw) as WebhookEvent;
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[A-Za-z0-9]+$/),
      type: 'payment.succeeded',
      created: expect.any(Number),
      data: {
        paymentId: charge.id,
        orderId: input.orderId,
        amount: 1999,
        currency: 'USD',
        customerId: 'cust-7', // echoed from the charge request, as real providers do
      },
    });
    expect(sim.charges().find((c) => c.id === charge.id)?.status).toBe('succeeded');
  });

  it('sends payment.failed for a decline (immediate or later) and refund.succeeded for a refund', async () => {
    received = [];
    sim.control({ mode: 'decline' });
    const declined = order();
    await expect(client().charge(declined, `charge-${declined.orderId}`)).rejects.toBeInstanceOf(
      PaymentDeclinedError,
    );
    sim.control({ mode: 'decline-later' });
    const later = order();
    const pending = await client().charge(later, `charge-${later.orderId}`);
    expect(pending.status).toBe('pending');
    sim.control({ mode: 'approve' });
    const paid = order();
    const ok = await client().charge(paid, `charge-${paid.orderId}`);
    const refund = await client().refund({ paymentId: ok.id, amount: 1999 }, `refund-${ok.id}`);
    await sim.webhooksSettled();
    const events = received.map((r) => JSON.parse(r.raw) as WebhookEvent);
    expect(events.find((e) => e.data.orderId === declined.orderId)).toMatchObject({
      type: 'payment.failed',
      data: { reason: 'card_declined' },
    });
    expect(events.find((e) => e.data.orderId === later.orderId)).toMatchObject({
      type: 'payment.failed',
      data: { paymentId: pending.id, reason: 'insufficient_funds' },
    });
    expect(
      events
        .filter((e) => e.data.orderId === paid.orderId)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['payment.succeeded', 'refund.succeeded']);
    expect(events.find((e) => e.type === 'refund.succeeded')?.data).toMatchObject({
      paymentId: ok.id,
      amount: 1999,
      refundId: refund.id,
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const r of received)
      expect(
        verifySignature({
          header: r.headers['payment-signature'] as string,
          rawBody: r.raw,
          secrets: [SECRET],
        }).ok,
      ).toBe(true);
  });

  it('retries a webhook the receiver did not accept', async () => {
    received = [];
    failNext = 1;
    sim.control({ mode: 'approve' });
    const input = order();
    await client().charge(input, `charge-${input.orderId}`);
    await sim.webhooksSettled();
    expect(received).toHaveLength(2);
    expect(received[1]!.raw).toBe(received[0]!.raw); // same event id, redelivered
    expect(sim.deliveries().at(-1)).toMatchObject({ status: 200, attempts: 2 });
  });

  it('is steered over HTTP (/_control) and reports its calls (/_stats)', async () => {
    const set = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'fail', confirmDelayMs: 5 }),
    });
    expect(await set.json()).toMatchObject({ mode: 'fail', confirmDelayMs: 5, signingSecret: '***' });
    const bad = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'explode' }),
    });
    expect(bad.status).toBe(400);
    const before = (await (await fetch(`${sim.url}/_stats`)).json()) as { requests: { charges: number } };
    await client()
      .charge(order(), 'k-fail')
      .catch(() => undefined);
    const after = (await (await fetch(`${sim.url}/_stats`)).json()) as { requests: { charges: number } };
    expect(after.requests.charges - before.requests.charges).toBe(1);
    const unauthorised = await fetch(`${sim.url}/charges`, {
      method: 'POST',
      headers: { 'idempotency-key': 'x' },
      body: '{}',
    });
    expect(unauthorised.status).toBe(401);
    sim.control({ mode: 'approve' });
  });
});

describe('modes where money moves but the answer is lost', () => {
  const events = () => received.map((r) => JSON.parse(r.raw) as WebhookEvent);
  const withMetadata = () => ({
    ...order(),
    customerEmail: 'ada@example.test',
    metadata: { correlationId: 'corr-lost-1' },
  });

  it('timeout-after-charge: the charge exists and is confirmed, every answer for its key is lost', async () => {
    received = [];
    sim.control({ mode: 'timeout-after-charge' });
    const input = withMetadata();
    const fast = buildProviderClient({ baseUrl: sim.url, timeoutMs: 300, apiKey: async () => 'sk_sim' });
    try {
      const first = await fast.charge(input, `charge-${input.orderId}`).catch((e: unknown) => e);
      const again = await fast.charge(input, `charge-${input.orderId}`).catch((e: unknown) => e);
      expect(first).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'timeout' });
      expect(again).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'timeout' });
    } finally {
      sim.control({ mode: 'approve' });
    }
    const found = await client().findCharges(input.orderId);
    expect(found).toHaveLength(1); // the repeat was an idempotent replay, not a second charge
    await sim.webhooksSettled();
    expect(events().filter((e) => e.data.orderId === input.orderId)).toEqual([
      expect.objectContaining({
        type: 'payment.succeeded',
        data: expect.objectContaining({
          paymentId: found[0]!.id,
          customerId: 'cust-7',
          customerEmail: 'ada@example.test',
          metadata: { correlationId: 'corr-lost-1' },
        }),
      }),
    ]);
  });

  it('error-after-charge: a 500 after the charge was created', async () => {
    sim.control({ mode: 'error-after-charge' });
    const input = order();
    try {
      const error = await client()
        .charge(input, `charge-${input.orderId}`)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'server-error' });
    } finally {
      sim.control({ mode: 'approve' });
    }
    expect(await client().findCharges(input.orderId)).toHaveLength(1);
  });

  it('charge-late: nothing to find while the answer is lost, the charge appears later', async () => {
    received = [];
    sim.control({ mode: 'charge-late', confirmDelayMs: 200 });
    const input = order();
    const fast = buildProviderClient({ baseUrl: sim.url, timeoutMs: 100, apiKey: async () => 'sk_sim' });
    try {
      const error = await fast.charge(input, `charge-${input.orderId}`).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'timeout' });
      expect(await client().findCharges(input.orderId)).toEqual([]);
      await sim.webhooksSettled();
    } finally {
      sim.control({ mode: 'approve', confirmDelayMs: 10 });
    }
    expect(await client().findCharges(input.orderId)).toHaveLength(1);
    expect(events().some((e) => e.data.orderId === input.orderId && e.type === 'payment.succeeded')).toBe(
      true,
    );
  });

  it('double-capture: one answer, two captures of the order, each confirmed', async () => {
    received = [];
    sim.control({ mode: 'double-capture' });
    const input = order();
    let answered: string;
    try {
      answered = (await client().charge(input, `charge-${input.orderId}`)).id;
    } finally {
      sim.control({ mode: 'approve' });
    }
    await sim.webhooksSettled();
    const captured = events()
      .filter((e) => e.data.orderId === input.orderId && e.type === 'payment.succeeded')
      .map((e) => e.data.paymentId);
    expect(captured).toHaveLength(2);
    expect(new Set(captured).size).toBe(2);
    expect(captured).toContain(answered);
  });
});

describe('per-customer settings', () => {
  it("gives one customer's charges their own mode and delay, leaving everyone else's alone", async () => {
    const control = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      body: JSON.stringify({ customers: { 'cust-odd': { mode: 'error-after-charge', confirmDelayMs: 5 } } }),
    });
    expect(await control.json()).toMatchObject({
      mode: 'approve',
      customers: { 'cust-odd': { mode: 'error-after-charge' } },
    });
    try {
      const odd = { ...order(), customerId: 'cust-odd' };
      const error = await client()
        .charge(odd, `charge-${odd.orderId}`)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PaymentOutcomeUnknownError', kind: 'server-error' });
      const normal = order();
      expect((await client().charge(normal, `charge-${normal.orderId}`)).status).toBe('pending');
    } finally {
      sim.control({ customers: {} });
    }
  });
});

describe('webhook faults', () => {
  it('repeats every webhook with the same event id, and sends it late, while told to', async () => {
    // Prepare
    received = [];
    const set = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      body: JSON.stringify({ webhooks: { repeat: 2, lateMs: 200 } }),
    });
    expect(await set.json()).toMatchObject({ webhooks: { repeat: 2, lateMs: 200 } });
    try {
      const input = order();
      // Act
      const started = Date.now();
      await client().charge(input, `charge-${input.orderId}`);
      await sim.webhooksSettled();
      // Assess: three deliveries of one event, none before the added delay
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      const ids = received
        .map((r) => JSON.parse(r.raw) as WebhookEvent)
        .filter((e) => e.data.orderId === input.orderId)
        .map((e) => e.id);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(1);
      expect(sim.stats().webhooks.repeated).toBeGreaterThanOrEqual(2);
    } finally {
      sim.control({ webhooks: {} });
    }
    received = [];
    const input = order();
    await client().charge(input, `charge-${input.orderId}`);
    await sim.webhooksSettled();
    expect(
      received.filter((r) => (JSON.parse(r.raw) as WebhookEvent).data.orderId === input.orderId),
    ).toHaveLength(1);
  });

  it('refuses webhook faults that are not whole non-negative numbers', async () => {
    const bad = await fetch(`${sim.url}/_control`, {
      method: 'POST',
      body: JSON.stringify({ webhooks: { repeat: -1 } }),
    });
    expect(bad.status).toBe(400);
  });
});
