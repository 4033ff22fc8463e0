import { describe, expect, it, vi } from 'vitest';
import { smokeEvent, smokeVerdict, targetOf } from '../release/smoke';
import { makeHandler, type HookDeps } from './pre-traffic-smoke';

vi.stubEnv('TABLE_NAME', 'unit-orders');
vi.stubEnv('PRICE_LINES_FUNCTION', 'unit-price-lines');

const appSpec = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      getOrder: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Name: 'op-orders-prod-getOrder',
          Alias: 'live',
          CurrentVersion: '7',
          TargetVersion: '8',
        },
      },
    },
  ],
});
const hookEvent = { DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' };

function deps(answer: { payload?: string; functionError?: string } | Error) {
  const calls = { invoked: [] as string[], reported: [] as string[] };
  const d: HookDeps = {
    getAppSpec: async () => appSpec,
    invoke: async (name, qualifier) => {
      calls.invoked.push(`${name}:${qualifier}`);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    report: async (_e, status) => {
      calls.reported.push(status);
    },
  };
  return { d, calls };
}

describe('the pre-traffic hook (P30)', () => {
  it('sends the smoke request to the target version, not the alias, and reports Succeeded on a 4xx', async () => {
    const { d, calls } = deps({ payload: JSON.stringify({ statusCode: 401, body: '{}' }) });
    await makeHandler(d)(hookEvent);
    expect(calls).toEqual({ invoked: ['op-orders-prod-getOrder:8'], reported: ['Succeeded'] });
  });

  it.each([
    ['a 5xx', { payload: JSON.stringify({ statusCode: 502 }) }],
    ['a function error', { functionError: 'Unhandled', payload: '{"errorMessage":"boom"}' }],
    ['an answer that is not an HTTP response', { payload: '"hello"' }],
    ['an invoke that fails', new Error('throttled')],
  ])('reports Failed on %s, so CodeDeploy rolls back', async (_what, answer) => {
    const { d, calls } = deps(answer);
    await makeHandler(d)(hookEvent);
    expect(calls.reported).toEqual(['Failed']);
  });

  it('reads the target from JSON or YAML AppSpecs and refuses one without it', () => {
    expect(targetOf(appSpec)).toEqual({ name: 'op-orders-prod-getOrder', version: '8' });
    const yaml =
      'version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: "op-orders-prod-createOrder"\n        Alias: "live"\n        CurrentVersion: "3"\n        TargetVersion: "4"\n';
    expect(targetOf(yaml)).toEqual({ name: 'op-orders-prod-createOrder', version: '4' });
    expect(() => targetOf(undefined)).toThrow(/no AppSpec/);
    expect(() => targetOf('{"Resources":[]}')).toThrow(/no function/);
  });

  it('judges only a statusCode below 500 healthy', () => {
    expect(smokeVerdict({ payload: '{"statusCode":404}' }).ok).toBe(true);
    expect(smokeVerdict({ payload: '{"statusCode":500}' }).ok).toBe(false);
    expect(smokeVerdict({ payload: 'not json' }).ok).toBe(false);
  });
});

describe('the smoke request against the real API handlers', () => {
  // Dependencies that fail the test if touched: the smoke request must write and read nothing.
  const untouchable = new Proxy(
    {},
    {
      get: () => () => {
        throw new Error('the smoke request touched a dependency');
      },
    },
  );

  it.each(['create-order', 'get-order', 'list-customer-orders', 'cancel-order'])(
    '%s refuses it with a 4xx before touching any dependency',
    async (name) => {
      const mod = (await import(`./${name}.ts`)) as {
        makeHandler(deps: unknown): (e: unknown) => Promise<{ statusCode: number }>;
      };
      const deps = new Proxy({}, { get: () => untouchable });
      const res = await mod.makeHandler(deps)(smokeEvent('d-1'));
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    },
  );
});
