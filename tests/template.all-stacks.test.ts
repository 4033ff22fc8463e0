/**
 * Template layer, across every stack: the platform's practices checked on the packaged
 * CloudFormation of each service, so a new service cannot quietly skip one.
 * X3 least privilege, X5 redrive, X6 stream mappings, X7 partial batch responses,
 * X9 concurrency in front of non-scaling resources, X11 sized timeouts.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  loadTemplate,
  refTarget,
  repoRoot,
  resourcesOfType,
  wildcardStatements,
  type CfnResource,
  type CfnTemplate,
} from '../test-support/src/template';
import { runtimeProblem } from '../test-support/src/lambda-runtimes';

const stacks = [
  '.',
  ...readdirSync(join(repoRoot, 'services'))
    .map((d) => `services/${d}`)
    .filter((d) => existsSync(join(repoRoot, d, 'serverless.yml'))),
];

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function projectFunctions(t: CfnTemplate): [string, CfnResource][] {
  // Our own functions (bundled from src/); framework custom-resource helpers are excluded.
  return resourcesOfType(t, 'AWS::Lambda::Function').filter(([, f]) =>
    String(f.Properties?.Handler ?? '').startsWith('src/'),
  );
}

function functionOf(mapping: CfnResource): string | undefined {
  return refTarget(mapping.Properties?.FunctionName);
}

function apiFunctions(t: CfnTemplate): Set<string> {
  return new Set(
    resourcesOfType(t, 'AWS::Lambda::Permission')
      .filter(([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com')
      .map(([, p]) => refTarget(p.Properties?.FunctionName))
      .filter((x): x is string => !!x),
  );
}

describe.each(stacks)('stack %s', (stack) => {
  const t = loadTemplate(stack);
  const fns = Object.fromEntries(projectFunctions(t));
  const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m);
  const queueArnTarget = (m: CfnResource) => refTarget(m.Properties?.EventSourceArn);
  const sqsMappings = mappings.filter((m) => {
    const target = queueArnTarget(m);
    return target !== undefined && t.Resources[target]?.Type === 'AWS::SQS::Queue';
  });
  const streamMappings = mappings.filter((m) => !sqsMappings.includes(m));

  it('X3: grants no wildcard action and no wildcard resource on data', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('runs every function on a runtime AWS supports for at least six more months, with active tracing it is allowed to write', () => {
    for (const [id, fn] of Object.entries(fns)) {
      // Deliberately today's date: the test starts failing half a year before a deprecation.
      expect(runtimeProblem(String(fn.Properties?.Runtime), new Date()), id).toBeUndefined();
      if (fn.Properties?.TracingConfig?.Mode === 'Active') {
        const role = refTarget(fn.Properties?.Role);
        const canTrace = iamStatements(t).some(
          ({ owner, statement }) =>
            owner === role && asArray(statement.Action).includes('xray:PutTraceSegments'),
        );
        expect(canTrace, `${id} traces but its role cannot write to X-Ray`).toBe(true);
      }
    }
  });

  it('X11: API handlers time out well under the 29 s API Gateway limit', () => {
    for (const id of apiFunctions(t)) {
      if (fns[id]) expect(fns[id]!.Properties?.Timeout ?? 6, id).toBeLessThanOrEqual(10);
    }
  });

  it('X5: every consumed queue has a DLQ after >= 5 receives and a visibility >= 6 x its consumer timeout', () => {
    for (const m of sqsMappings) {
      const queueId = queueArnTarget(m)!;
      const queue = t.Resources[queueId]!.Properties ?? {};
      expect(queue.RedrivePolicy, `${queueId} has no DLQ`).toBeDefined();
      expect(Number(queue.RedrivePolicy.maxReceiveCount), queueId).toBeGreaterThanOrEqual(5);
      const fn = fns[functionOf(m)!];
      const timeout = Number(fn?.Properties?.Timeout ?? 6);
      expect(Number(queue.VisibilityTimeout ?? 30), queueId).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  it('X7: every queue and stream consumer reports partial batch failures', () => {
    for (const m of mappings)
      expect(m.Properties?.FunctionResponseTypes, functionOf(m)).toEqual(['ReportBatchItemFailures']);
  });

  it('X6: every stream mapping bisects, retries a bounded number of times and has an on-failure destination', () => {
    for (const m of streamMappings) {
      const p = m.Properties ?? {};
      expect(p.BisectBatchOnFunctionError, functionOf(m)).toBe(true);
      expect(p.MaximumRetryAttempts, functionOf(m)).toBeGreaterThanOrEqual(0);
      expect(p.MaximumRetryAttempts, functionOf(m)).toBeLessThanOrEqual(10);
      expect(p.DestinationConfig?.OnFailure?.Destination, functionOf(m)).toBeDefined();
    }
  });

  it('X9: functions inside the VPC (Postgres, Redis) have a concurrency bound', () => {
    for (const [id, fn] of Object.entries(fns)) {
      if (!fn.Properties?.VpcConfig) continue;
      const reserved = fn.Properties?.ReservedConcurrentExecutions;
      const own = sqsMappings.filter((m) => functionOf(m) === id);
      const bounded =
        reserved !== undefined ||
        (own.length > 0 && own.every((m) => m.Properties?.ScalingConfig?.MaximumConcurrency));
      expect(bounded, `${id} reaches a non-scaling resource without a concurrency bound`).toBe(true);
    }
  });

  it('failures of asynchronous invocations land somewhere (DLQ or on-failure destination)', () => {
    for (const [id, cfg] of resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig')) {
      expect(cfg.Properties?.DestinationConfig?.OnFailure?.Destination, id).toBeDefined();
    }
  });
});

describe('account prerequisites', () => {
  it('the README names the Lambda concurrency quota the reservations of every stack need (their sum + the 100 AWS keeps unreserved)', () => {
    // Prepare
    const reserved = stacks
      .flatMap((s) => projectFunctions(loadTemplate(s)))
      .reduce((sum, [, f]) => sum + Number(f.Properties?.ReservedConcurrentExecutions ?? 0), 0);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

    // Assess: a reservation past quota - 100 fails the deploy, so the documented need is exact
    expect(readme).toMatch(/concurrent\s+executions\s+quota\s+is\s+at\s+least\s+(\d+)\*\*/);
    const documented = Number(
      readme.match(/concurrent\s+executions\s+quota\s+is\s+at\s+least\s+(\d+)\*\*/)![1],
    );
    const reservedNamed = Number(readme.match(/the\s+stacks\s+reserve\s+(\d+)\s+executions/)?.[1]);
    expect({ reserved: reservedNamed, quota: documented }).toEqual({ reserved, quota: reserved + 100 });
  });
});

describe('the runtime deprecation check', () => {
  it('refuses a runtime within six months of its deprecation, an unknown one, and accepts one further away', () => {
    const day = new Date('2026-12-03T12:00:00Z');
    expect(runtimeProblem('nodejs22.x', day)).toMatch(/deprecated by AWS on 2027-04-30 \(147 days/);
    expect(runtimeProblem('nodejs99.x', day)).toMatch(/not a runtime this platform knows/);
    expect(runtimeProblem('nodejs24.x', day)).toBeUndefined();
    expect(runtimeProblem('nodejs24.x', new Date('2027-11-01T00:00:00Z'))).toMatch(/2028-04-30/);
  });
});

describe('a small account can deploy a trial stage without reservations (--param reserveConcurrency=false)', () => {
  // The plugin every stack with reservations loads (tooling/osls-reserved-concurrency).
  const plugin = createRequire(import.meta.url)('../tooling/osls-reserved-concurrency/index.cjs') as {
    new (sls: unknown): { apply(): void };
    dropReservations(t: CfnTemplate): string[];
  };

  it('every stack that reserves concurrency loads the switch and reads the param', () => {
    for (const stack of stacks) {
      const reserves = projectFunctions(loadTemplate(stack)).some(
        ([, f]) => f.Properties?.ReservedConcurrentExecutions !== undefined,
      );
      if (!reserves) continue;
      const yml = readFileSync(join(repoRoot, stack, 'serverless.yml'), 'utf8');
      expect(yml, stack).toContain("- '@order-platform/osls-reserved-concurrency'");
      expect(yml, stack).toContain("reserveConcurrency: ${param:reserveConcurrency, 'true'}");
    }
  });

  it('drops exactly the reservations and nothing else; any other value than true/false is refused', () => {
    const packaged = loadTemplate('services/webhook');
    const copy = structuredClone(packaged);
    const sls = (value: string) => ({
      service: { custom: { reserveConcurrency: value }, provider: { compiledCloudFormationTemplate: copy } },
    });
    new plugin(sls('true')).apply();
    expect(copy).toEqual(packaged);
    new plugin(sls('false')).apply();
    const reserved = projectFunctions(packaged).filter(([, f]) => f.Properties?.ReservedConcurrentExecutions);
    expect(reserved.length).toBeGreaterThan(0);
    for (const [id] of reserved) {
      const { ReservedConcurrentExecutions, ...rest } = packaged.Resources[id]!.Properties!;
      expect(ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(copy.Resources[id]!.Properties).toEqual(rest);
    }
    expect(() => new plugin(sls('no')).apply()).toThrow(/must be true or false/);
  });
});
