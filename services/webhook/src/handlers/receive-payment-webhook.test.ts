import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.PAYMENTS_QUEUE_URL = 'https://sqs.local/payments';
  process.env.SIGNING_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:1:secret:x';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { makeHandler } = await import('./receive-payment-webhook');
const { signPayload } = await import('../domain/signature');

const NOW = new Date('2026-11-22T10:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const body = JSON.stringify({
  id: 'evt_unit1',
  type: 'payment.failed',
  created: T - 5,
  data: {
    paymentId: 'pay_1',
    orderId: 'ord_01JD0000000000000000000000',
    amount: 250,
    currency: 'USD',
    reason: 'card_declined',
    extra: 'dropped',
  },
});

const request = (signature?: string, raw = body): APIGatewayProxyEvent =>
  ({
    body: raw,
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json', ...(signature ? { 'payment-signature': signature } : {}) },
  }) as unknown as APIGatewayProxyEvent;

function fakes(secretVersions: string[][] = [['whsec_a']]) {
  let version = 0;
  return {
    secrets: vi.fn(async (opts?: { refresh?: boolean }) => {
      if (opts?.refresh && version < secretVersions.length - 1) version++;
      return secretVersions[version]!;
    }),
    enqueue: vi.fn(async () => undefined),
    now: () => NOW,
    toleranceSeconds: 300,
  };
}

describe('receivePaymentWebhook handler', () => {
  it('verifies, enqueues the validated event with its ids, and answers 202', async () => {
    const deps = fakes();
    const res = await makeHandler(deps)(request(signPayload('whsec_a', body, T)));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ received: true, id: 'evt_unit1' });
    const [message, attributes] = deps.enqueue.mock.calls[0] as unknown as [
      Record<string, unknown>,
      Record<string, string>,
    ];
    expect(message).toMatchObject({
      kind: 'provider.webhook',
      receivedAt: NOW.toISOString(),
      event: { id: 'evt_unit1', data: { reason: 'card_declined' } },
    });
    expect((message.event as { data: Record<string, unknown> }).data.extra).toBeUndefined();
    expect(attributes).toMatchObject({ kind: 'provider.webhook', providerEventId: 'evt_unit1' });
    expect(attributes.correlationId).toBe(message.correlationId);
  });

  it("continues the platform's thread: the charge's echoed correlation id, echoed customer kept", async () => {
    const deps = fakes();
    const echoed = JSON.stringify({
      id: 'evt_unit2',
      type: 'payment.succeeded',
      created: T - 5,
      data: {
        paymentId: 'pay_2',
        orderId: 'ord_01JD0000000000000000000000',
        amount: 250,
        currency: 'USD',
        customerId: 'cus_ada',
        customerEmail: 'ada@example.com',
        metadata: { correlationId: 'corr-from-the-order', anything: 'else' },
      },
    });
    const res = await makeHandler(deps)(request(signPayload('whsec_a', echoed, T), echoed));
    expect(res.statusCode).toBe(202);
    const [message, attributes] = deps.enqueue.mock.calls[0] as unknown as [
      { correlationId: string; event: { data: Record<string, unknown> } },
      Record<string, string>,
    ];
    expect(message.correlationId).toBe('corr-from-the-order');
    expect(attributes.correlationId).toBe('corr-from-the-order');
    expect(message.event.data).toMatchObject({
      customerId: 'cus_ada',
      customerEmail: 'ada@example.com',
      metadata: { correlationId: 'corr-from-the-order', anything: 'else' },
    });
  });

  it('accepts a webhook whose echoed fields are malformed (read as absent: the payment must reach the ledger)', async () => {
    const deps = fakes();
    const odd = JSON.stringify({
      id: 'evt_unit3',
      type: 'payment.succeeded',
      created: T - 5,
      data: {
        paymentId: 'pay_3',
        orderId: 'ord_01JD0000000000000000000000',
        amount: 250,
        currency: 'USD',
        customerId: 'has spaces',
        customerEmail: 'not-an-address',
        metadata: { correlationId: 42 },
      },
    });
    const res = await makeHandler(deps)(request(signPayload('whsec_a', odd, T), odd));
    expect(res.statusCode).toBe(202);
    const [message] = deps.enqueue.mock.calls[0] as unknown as [
      { correlationId: string; event: { data: Record<string, unknown> } },
    ];
    // What goes on the queue (JSON) carries none of them.
    expect(Object.keys(JSON.parse(JSON.stringify(message.event.data))).sort()).toEqual([
      'amount',
      'currency',
      'orderId',
      'paymentId',
    ]);
    expect(message.correlationId).not.toBe(42);
  });

  it('decodes a base64 body before checking the signature', async () => {
    const deps = fakes();
    const ev = {
      ...request(signPayload('whsec_a', body, T)),
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
    expect((await makeHandler(deps)(ev)).statusCode).toBe(202);
  });

  it('re-reads the secret once after a mismatch (rotation) and then accepts', async () => {
    const deps = fakes([['whsec_a'], ['whsec_b', 'whsec_a']]);
    const res = await makeHandler(deps)(request(signPayload('whsec_b', body, T)));
    expect(res.statusCode).toBe(202);
    expect(deps.secrets.mock.calls.map((c) => c[0])).toEqual([{ refresh: false }, { refresh: true }]);
  });

  it.each([
    ['no header', undefined, 'missing_signature'],
    ['a forged signature', signPayload('whsec_forged', body, T), 'signature_mismatch'],
    ['a stale timestamp', signPayload('whsec_a', body, T - 301), 'timestamp_out_of_tolerance'],
  ])('%s → 401 with the reason, nothing enqueued', async (_what, signature, reason) => {
    const deps = fakes();
    const res = await makeHandler(deps)(request(signature));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'UNAUTHORIZED',
      details: [{ path: 'Payment-Signature', message: reason }],
    });
    expect(deps.enqueue).not.toHaveBeenCalled();
  });

  it('a signed but invalid body → 400 naming the field, nothing enqueued', async () => {
    const deps = fakes();
    const bad = body.replace('"amount":250', '"amount":"250"');
    const res = await makeHandler(deps)(request(signPayload('whsec_a', bad, T), bad));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.details[0].path).toBe('data.amount');
    expect(deps.enqueue).not.toHaveBeenCalled();
  });

  it('a failing queue → 500 with a generic body (the provider retries)', async () => {
    const deps = fakes();
    deps.enqueue.mockRejectedValueOnce(new Error('sqs: AccessDenied arn:aws:...'));
    const res = await makeHandler(deps)(request(signPayload('whsec_a', body, T)));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('arn:aws');
  });
});
