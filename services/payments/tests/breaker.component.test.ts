/**
 * The circuit breaker (P20) across two "containers": two breakers built separately, each
 * with its own DynamoDB client and provider client, sharing only the breaker item in a
 * real DynamoDB API (moto), in front of the simulated provider. /_stats proves when the
 * provider was (not) called.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBreakerStore } from '../src/adapters/breaker-store';
import { documentClient } from '../src/adapters/dynamo';
import { buildProviderClient } from '../src/adapters/provider-client';
import type { BreakerConfig } from '../src/domain/breaker';
import { createCircuitBreaker } from '../src/domain/circuit-breaker';
import { isProviderFailure } from '../src/domain/errors';
import { guardProvider } from '../src/domain/payments';
import { startSimulatedProvider, type SimulatedProvider } from '../src/simulator/provider';
import {
  createTableFromTemplate,
  manualClock,
  newOrderId,
  settle,
  startSerialGate,
  unique,
  type SerialGate,
} from './support';

const config: BreakerConfig = {
  failureThreshold: 3,
  windowMs: 60_000,
  slowCallMs: 10_000,
  coolDownMs: 1_000,
  backoffMultiplier: 2,
  maxCoolDownMs: 8_000,
  probeLeaseMs: 30_000,
};

let gate: SerialGate;
let sim: SimulatedProvider;
let table: string;

/** One Lambda container: its own clients, its own breaker instance, the shared table. */
function container(
  name: string,
  clock: ReturnType<typeof manualClock>,
  hold: () => Promise<void> = async () => undefined,
) {
  const store = buildBreakerStore(documentClient(new DynamoDBClient({})), table, name);
  const breaker = createCircuitBreaker({
    name,
    store,
    config,
    now: clock.now,
    newProbeId: randomUUID,
    isFailure: isProviderFailure,
  });
  const client = buildProviderClient({ baseUrl: sim.url, timeoutMs: 1_000, apiKey: async () => 'sk_test' });
  // `hold` lets a test keep a call that got through (the probe) in flight while it watches the others.
  const provider = guardProvider(
    { ...client, charge: async (r, k) => (await hold(), client.charge(r, k)) },
    breaker,
  );
  const charge = () =>
    provider.charge(
      { orderId: newOrderId(), amount: 1000, currency: 'EUR', customerId: 'cust-1' },
      randomUUID(),
    );
  return { breaker, charge };
}

const providerCalls = () => sim.stats().requests.charges;

beforeAll(async () => {
  gate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
  table = unique('breaker');
  await createTableFromTemplate('BreakerTable', table);
  sim = await startSimulatedProvider({ confirmDelayMs: 60_000 });
});

afterAll(async () => {
  await sim.stop();
  await gate.stop();
});

describe('circuit breaker shared across containers (DynamoDB)', () => {
  it('opens on provider errors, fails fast everywhere, lets exactly one probe through, and closes', async () => {
    // Prepare
    const clock = manualClock();
    const name = unique('provider');
    let release!: () => void;
    let holding = false;
    const held = new Promise<void>((r) => (release = r));
    const hold = () => (holding ? held : Promise.resolve());
    const a = container(name, clock, hold);
    const b = container(name, clock, hold);
    sim.control({ mode: 'fail' });
    const start = providerCalls();
    // Act 1: three failures, spread over both containers
    expect([await settle(a.charge()), await settle(b.charge()), await settle(a.charge())]).toEqual(
      Array(3).fill('ProviderUnavailableError'),
    );
    // Assess 1: open for both; later calls fail fast, the provider sees nothing more
    expect((await b.breaker.current()).status).toBe('OPEN');
    const fast = await Promise.all([a.charge(), b.charge(), a.charge(), b.charge()].map(settle));
    expect(fast).toEqual(Array(4).fill('CircuitOpenError'));
    expect(providerCalls() - start).toBe(3);
    // Act 2: the cool-down passes, the provider has recovered; ten callers arrive at once
    clock.advance(config.coolDownMs);
    sim.control({ mode: 'approve' });
    holding = true;
    let turnedAway = 0;
    const calls = Array.from({ length: 10 }, (_, i) =>
      settle((i % 2 ? a : b).charge()).then((r) => {
        // Once the nine that did not get the probe have failed fast, let the probe finish.
        if (r === 'CircuitOpenError' && ++turnedAway === 9) release();
        return r;
      }),
    );
    const burst = await Promise.all(calls);
    holding = false;
    // Assess 2: exactly one probe reached the provider, and its success closed the circuit
    expect(burst.filter((r) => r === 'ok')).toHaveLength(1);
    expect(burst.filter((r) => r === 'CircuitOpenError')).toHaveLength(9);
    expect(providerCalls() - start).toBe(4);
    expect(await a.breaker.current()).toMatchObject({ status: 'CLOSED', coolDownMs: config.coolDownMs });
    expect(await Promise.all([a.charge(), b.charge()].map(settle))).toEqual(['ok', 'ok']);
  });

  it('counts a hanging provider (timeouts) and grows the back-off while probes keep failing', async () => {
    const clock = manualClock();
    const name = unique('provider');
    const a = container(name, clock);
    const b = container(name, clock);
    sim.control({ mode: 'hang' });
    // A timeout is an unknown outcome (the provider may have acted): it counts all the same.
    for (const c of [a, b, a]) expect(await settle(c.charge())).toBe('PaymentOutcomeUnknownError');
    const opened = await a.breaker.current();
    expect(opened.status).toBe('OPEN');
    expect(opened.retryAt! - clock.now()).toBe(config.coolDownMs);

    // The first probe fails: the cool-down doubles.
    clock.advance(config.coolDownMs);
    sim.control({ mode: 'fail' });
    expect(await settle(b.charge())).toBe('ProviderUnavailableError');
    const reopened = await b.breaker.current();
    expect(reopened).toMatchObject({ status: 'OPEN', coolDownMs: 2 * config.coolDownMs });
    expect(reopened.retryAt! - clock.now()).toBe(2 * config.coolDownMs);

    // After only the first cool-down's worth, still failing fast, no provider call.
    const before = providerCalls();
    clock.advance(config.coolDownMs);
    expect(await settle(a.charge())).toBe('CircuitOpenError');
    expect(providerCalls()).toBe(before);

    // The full doubled cool-down later, one probe goes; the provider is back; closed again.
    clock.advance(config.coolDownMs);
    sim.control({ mode: 'approve' });
    expect(await settle(a.charge())).toBe('ok');
    expect(providerCalls()).toBe(before + 1);
    expect(await b.breaker.current()).toMatchObject({ status: 'CLOSED', coolDownMs: config.coolDownMs });
  });
});
