/**
 * The saga-facing functions as deployed (composition roots included) over moto
 * DynamoDB + Secrets Manager, calling the simulated provider, which demands the API key.
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildProviderClient } from '../src/adapters/provider-client';
import type { ChargeResult, PaymentView, RefundResult } from '../src/domain/payments';
import { startSimulatedProvider, type SimulatedProvider } from '../src/simulator/provider';
import {
  createTableFromTemplate,
  newOrderId,
  settle,
  startSerialGate,
  unique,
  type SerialGate,
} from './support';

type Fn<O> = (event: unknown, context: never) => Promise<O>;
let gate: SerialGate;
let sim: SimulatedProvider;
let secrets: SecretsManagerClient;
let secretArn: string;
let charge: Fn<ChargeResult>;
let refund: Fn<RefundResult>;
let lookup: Fn<PaymentView>;

const ctx = {} as never;
const order = (amount = 2599) => ({ orderId: newOrderId(), amount, currency: 'EUR', customerId: 'cust-42' });
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

beforeAll(async () => {
  gate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
  const paymentsTable = unique('payments');
  const breakerTable = unique('breaker');
  await createTableFromTemplate('PaymentsTable', paymentsTable);
  await createTableFromTemplate('BreakerTable', breakerTable);
  secrets = new SecretsManagerClient({});
  secretArn = (
    await secrets.send(
      new CreateSecretCommand({ Name: unique('provider-api-key'), SecretString: 'sk_test_first' }),
    )
  ).ARN!;
  sim = await startSimulatedProvider({ apiKey: 'sk_test_first', confirmDelayMs: 60_000 });
  Object.assign(process.env, {
    PAYMENTS_TABLE_NAME: paymentsTable,
    BREAKER_TABLE_NAME: breakerTable,
    BREAKER_NAME: unique('provider'),
    PROVIDER_BASE_URL: sim.url,
    PROVIDER_API_KEY_SECRET_ID: secretArn,
    PROVIDER_TIMEOUT_MS: '1000',
    // Enough room for this file's deliberate failures; the last test opens the circuit.
    BREAKER_FAILURE_THRESHOLD: '8',
    BREAKER_COOL_DOWN_MS: '600000',
  });
  charge = (await import('../src/handlers/charge-payment')).handler as unknown as Fn<ChargeResult>;
  refund = (await import('../src/handlers/refund-payment')).handler as unknown as Fn<RefundResult>;
  lookup = (await import('../src/handlers/get-payment-by-order')).handler as unknown as Fn<PaymentView>;
});

afterAll(async () => {
  await sim.stop();
  await gate.stop();
});

describe('payments functions against the simulated provider', () => {
  it('charges an order once: a repeat returns the same payment without calling the provider', async () => {
    // Prepare
    sim.control({ mode: 'approve' });
    const input = order();
    const before = sim.stats();
    // Act
    const first = await charge({ ...input, taskToken: 'token-from-the-saga' }, ctx);
    const again = await charge(input, ctx);
    // Assess
    expect(first).toEqual({
      orderId: input.orderId,
      paymentId: expect.stringMatching(/^pay_/),
      status: 'PENDING',
    });
    expect(again).toEqual(first);
    expect(sim.stats().requests.charges - before.requests.charges).toBe(1);
    expect((await lookup({ orderId: input.orderId }, ctx)).charge).toMatchObject({
      status: 'PENDING',
      paymentId: first.paymentId,
      amount: 2599,
    });
  });

  it('the provider itself answers the same Idempotency-Key with the same payment', async () => {
    sim.control({ mode: 'approve' });
    const client = buildProviderClient({
      baseUrl: sim.url,
      timeoutMs: 1_000,
      apiKey: async () => 'sk_test_first',
    });
    const input = order();
    const key = `charge-${input.orderId}`;
    const before = sim.stats();
    const [x, y] = [await client.charge(input, key), await client.charge(input, key)];
    expect(y.id).toBe(x.id);
    expect(sim.stats().chargesCreated - before.chargesCreated).toBe(1);
    expect(sim.stats().idempotentReplays - before.idempotentReplays).toBe(1);
  });

  it('turns a decline into PaymentDeclinedError, records it, and has nothing to refund', async () => {
    sim.control({ mode: 'decline' });
    const input = order();
    const error = await errorOf(charge(input, ctx));
    expect(error?.name).toBe('PaymentDeclinedError');
    expect((await lookup({ orderId: input.orderId }, ctx)).charge).toMatchObject({
      status: 'DECLINED',
      declineReason: 'card_declined',
    });
    expect(await refund({ orderId: input.orderId }, ctx)).toEqual({
      orderId: input.orderId,
      status: 'NOTHING_TO_REFUND',
    });
  });

  it('refunds an order exactly once however often (and however concurrently) it is asked', async () => {
    sim.control({ mode: 'approve' });
    const input = order(4200);
    const { paymentId } = await charge(input, ctx);
    const before = sim.stats();
    const results = await Promise.all(
      [1, 2, 3].map(() => refund({ orderId: input.orderId, reason: 'payment not confirmed' }, ctx)),
    );
    const later = await refund({ orderId: input.orderId }, ctx);
    expect(new Set([...results, later].map((r) => r.refund?.refundId)).size).toBe(1);
    expect(later).toMatchObject({ status: 'REFUNDED', refund: { paymentId, amount: 4200, currency: 'EUR' } });
    expect(sim.stats().refundsCreated - before.refundsCreated).toBe(1);
    expect(sim.refunds().filter((r) => r.paymentId === paymentId)).toHaveLength(1);
    const view = await lookup({ orderId: input.orderId }, ctx);
    expect(view.refunds).toEqual([expect.objectContaining({ paymentId, status: 'ACCEPTED', amount: 4200 })]);
  });

  it('a provider outage is a retryable ProviderUnavailableError; the retry charges once', async () => {
    sim.control({ mode: 'fail' });
    const input = order();
    expect((await errorOf(charge(input, ctx)))?.name).toBe('ProviderUnavailableError');
    expect((await lookup({ orderId: input.orderId }, ctx)).charge?.status).toBe('REQUESTED');
    sim.control({ mode: 'approve' });
    const result = await charge(input, ctx);
    expect(sim.charges().filter((c) => c.orderId === input.orderId)).toEqual([
      expect.objectContaining({ id: result.paymentId }),
    ]);
  });

  it('a hanging provider times out (outcome unknown); the compensation finds no charge there and voids it', async () => {
    sim.control({ mode: 'hang' });
    const input = order();
    expect((await errorOf(charge(input, ctx)))?.name).toBe('PaymentOutcomeUnknownError');
    sim.control({ mode: 'approve' });
    expect((await refund({ orderId: input.orderId }, ctx)).status).toBe('NOTHING_TO_REFUND');
    expect((await lookup({ orderId: input.orderId }, ctx)).charge?.status).toBe('VOIDED');
  });

  it.each(['timeout-after-charge', 'error-after-charge'] as const)(
    '%s: the answer is lost after the capture; the compensation finds the charge and refunds it once',
    async (mode) => {
      sim.control({ mode });
      const input = order();
      try {
        expect((await errorOf(charge(input, ctx)))?.name).toBe('PaymentOutcomeUnknownError');
        expect((await errorOf(charge(input, ctx)))?.name).toBe('PaymentOutcomeUnknownError'); // the saga's retry
      } finally {
        sim.control({ mode: 'approve' });
      }
      const [first, again] = [
        await refund({ orderId: input.orderId }, ctx),
        await refund({ orderId: input.orderId }, ctx),
      ];
      const atProvider = sim.charges().filter((c) => c.orderId === input.orderId);
      expect(atProvider).toHaveLength(1);
      expect(first).toMatchObject({
        status: 'REFUNDED',
        refund: { paymentId: atProvider[0]!.id, amount: 2599 },
      });
      expect(again).toEqual(first);
      expect(sim.refunds().filter((r) => r.paymentId === atProvider[0]!.id)).toHaveLength(1);
    },
  );

  it('picks up a rotated API key after the provider rejects the cached one (P31)', async () => {
    sim.control({ mode: 'approve' });
    await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: 'sk_test_second' }));
    sim.setApiKey('sk_test_second');
    const before = sim.stats();
    const result = await charge(order(), ctx);
    expect(result.status).toBe('PENDING');
    expect(sim.stats().rejectedAuth - before.rejectedAuth).toBe(1); // the cached key, once
  });

  it('rejects bad input with ValidationError before touching anything', async () => {
    const before = sim.stats().requests.total;
    expect(
      (await errorOf(charge({ orderId: 'x', amount: 1.5, currency: 'XXX', customerId: '' }, ctx)))?.name,
    ).toBe('ValidationError');
    expect(sim.stats().requests.total).toBe(before);
  });

  it('(last: opens the circuit) fails fast with CircuitOpenError once the provider keeps failing', async () => {
    sim.control({ mode: 'fail' });
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) outcomes.push(await settle(charge(order(), ctx)));
    expect(outcomes.slice(-2)).toEqual(['CircuitOpenError', 'CircuitOpenError']);
    const before = sim.stats().requests.charges;
    expect(await settle(charge(order(), ctx))).toBe('CircuitOpenError');
    expect(await settle(refund({ orderId: newOrderId() }, ctx))).toBe('ok'); // nothing to refund: no provider call needed
    expect(sim.stats().requests.charges).toBe(before);
  });
});
