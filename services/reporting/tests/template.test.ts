/**
 * Assertions on the packaged CloudFormation of the reporting stack (X3, X6, X9, X11, P04,
 * P05, P24, P29). Run `osls package` first (npm test does); cfn-lint runs in `npm run lint:cfn`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  lambdaFunction,
  loadTemplate,
  resource,
  resourcesOfType,
  wildcardStatements,
  refTarget,
  type CfnResource,
  type CfnTemplate,
} from '../../../test-support/src/template';
import { declaredMigrations } from '../src/adapters/migrations';

let t: CfnTemplate;
beforeAll(() => {
  t = loadTemplate('services/reporting');
});

const fn = (name: string) => lambdaFunction(t, name)[1].Properties!;
const env = (name: string) => fn(name).Environment.Variables as Record<string, unknown>;
const FUNCTIONS = [
  'projectOrders',
  'salesDaily',
  'customerSummary',
  'topProducts',
  'customerDashboard',
  'invalidateCache',
  'nightlyRollup',
  'migrate',
];
// The dashboard reaches nothing in the VPC: its parts are HTTPS calls (orders, this API's
// own summary route, billing), so it runs outside the VPC, which has no NAT.
const DB_FUNCTIONS = FUNCTIONS.filter((f) => f !== 'invalidateCache' && f !== 'customerDashboard');

function streamMapping(): CfnResource {
  const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(1);
  return mappings[0]![1];
}

describe('stream projector (P04, X6)', () => {
  it('reads the orders stream, one batch per shard, bisecting, bounded retries, on-failure queue, partial responses', () => {
    const p = streamMapping().Properties!;
    expect(p.EventSourceArn).toEqual({ 'Fn::ImportValue': 'op-orders-dev-OrdersTableStreamArn' });
    expect(refTarget(p.FunctionName)).toBe('ProjectOrdersLambdaFunction');
    expect(p.ParallelizationFactor).toBe(1);
    expect(p.BisectBatchOnFunctionError).toBe(true);
    expect(p.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(p.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(p.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    expect(p.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(refTarget(p.DestinationConfig.OnFailure.Destination)).toBe('ProjectorFailureQueue');
    expect(p.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      { dynamodb: { Keys: { SK: { S: ['ORDER'] } } } },
    ]);
  });

  it('has a bounded concurrency, a timeout for its batches, and may send only to its failure queue', () => {
    expect(fn('projectOrders').ReservedConcurrentExecutions).toBeLessThanOrEqual(10);
    expect(fn('projectOrders').Timeout).toBeGreaterThanOrEqual(30);
    expect(refTarget(env('projectOrders').PROJECTOR_FAILURE_QUEUE_URL)).toBe('ProjectorFailureQueue');
    const role = resource(t, 'ProjectOrdersIamRoleLambdaExecution').Properties!;
    const statements = role.Policies.flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
    ) as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const sqs = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('sqs:')));
    expect(sqs.map((s) => refTarget(s.Resource))).toEqual(['ProjectorFailureQueue']);
    const stream = statements.find((s) => [s.Action].flat().includes('dynamodb:GetRecords'));
    expect(JSON.stringify(stream?.Resource)).toContain('op-orders-dev-OrdersTableStreamArn');
  });

  it('runs the schema migration during deploy, at the version the code declares', () => {
    const schema = resource(t, 'ReportingSchema');
    expect(schema.Type).toBe('Custom::ReportingSchema');
    expect(refTarget(schema.Properties!.ServiceToken)).toBe('MigrateLambdaFunction');
    expect(schema.Properties!.SchemaVersion).toBe(declaredMigrations().at(-1));
  });
});

describe('reports API and cache invalidation (P05)', () => {
  it('routes the three reports and the dashboard through the gatekeeper', () => {
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').map(([, r]) => r.Properties!);
    expect(methods).toHaveLength(4);
    for (const m of methods) {
      expect(m.HttpMethod).toBe('GET');
      expect(m.AuthorizationType).toBe('CUSTOM');
      expect(refTarget(m.AuthorizerId)).toBe('GatekeeperApiGatewayAuthorizer');
    }
    const authorizer = resource(t, 'GatekeeperApiGatewayAuthorizer').Properties!;
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain('op-auth-dev-AuthorizerArn');
  });

  it('invalidates on OrderConfirmed / OrderCancelled v1 from the platform bus, with retries and a dead-letter queue', () => {
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.EventPattern);
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties!;
    expect(rule.EventBusName).toEqual({ 'Fn::ImportValue': 'op-platform-dev-EventBusName' });
    expect(rule.EventPattern).toEqual({
      source: ['order-platform.orders'],
      'detail-type': ['OrderConfirmed', 'OrderCancelled'],
      detail: { metadata: { version: [1] } },
    });
    const [target] = rule.Targets;
    expect(refTarget(target.Arn)).toBe('InvalidateCacheLambdaFunction');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(refTarget(target.DeadLetterConfig.Arn)).toBe('AsyncFailureQueue');
    const policy = resource(t, 'AsyncFailureQueuePolicy').Properties!.PolicyDocument.Statement[0];
    expect(policy.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(JSON.stringify(policy.Condition)).toContain(rule.Name);
  });

  it('sends failed invalidations and rollups to the failure queue after bounded retries', () => {
    for (const name of ['InvalidateCacheLambdaEvConf', 'NightlyRollupLambdaEvConf']) {
      const conf = resource(t, name).Properties!;
      expect(conf.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(refTarget(conf.DestinationConfig.OnFailure.Destination)).toBe('AsyncFailureQueue');
    }
  });

  it('gives the invalidator Redis only, and every other function Postgres through the platform', () => {
    expect(env('invalidateCache').REDIS_URL).toBeDefined();
    expect(env('invalidateCache').DB_HOST).toBeUndefined();
    for (const name of DB_FUNCTIONS) {
      expect(env(name).DB_HOST, name).toEqual({ 'Fn::ImportValue': 'op-platform-dev-DbProxyEndpoint' });
      expect(env(name).DB_SECRET_ARN, name).toEqual({ 'Fn::ImportValue': 'op-platform-dev-DbSecretArn' });
    }
    for (const name of FUNCTIONS.filter((f) => f !== 'customerDashboard'))
      expect(fn(name).VpcConfig, name).toBeDefined();
    expect(fn('customerDashboard').VpcConfig).toBeUndefined();
    expect(env('customerDashboard').DB_HOST).toBeUndefined();
  });
});

describe('connections, timeouts and schedules (P24, P29, X9, X11)', () => {
  it('caps every function that can open a Postgres connection; together they stay within the budget', () => {
    const caps = DB_FUNCTIONS.map((name) => fn(name).ReservedConcurrentExecutions as number);
    expect(caps.every((c) => Number.isInteger(c) && c > 0)).toBe(true);
    // One connection per container (DB_POOL_MAX defaults to 1): the sum is the stack's worst case.
    expect(caps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(50);
    expect(DB_FUNCTIONS.every((name) => env(name).DB_POOL_MAX === undefined)).toBe(true);
  });

  it('keeps API handlers far below the 29 s API limit, and the dashboard parts within 5 s in total', () => {
    for (const name of ['salesDaily', 'customerSummary', 'topProducts', 'customerDashboard'])
      expect(fn(name).Timeout, name).toBeLessThanOrEqual(10);
    const parts = [
      'DASHBOARD_ORDERS_TIMEOUT_MS',
      'DASHBOARD_SUMMARY_TIMEOUT_MS',
      'DASHBOARD_BILLING_TIMEOUT_MS',
    ].map((k) => Number(env('customerDashboard')[k]));
    expect(Math.max(...parts)).toBeLessThan(5_000);
    expect(Math.max(...parts)).toBeLessThan(fn('customerDashboard').Timeout * 1000);
  });

  it("reads the orders and billing API URLs from their stacks' exports (invoicing deploys first)", () => {
    expect(env('customerDashboard').ORDERS_API_URL).toEqual({ 'Fn::ImportValue': 'op-orders-dev-ApiUrl' });
    expect(env('customerDashboard').BILLING_API_URL).toEqual({
      'Fn::ImportValue': 'op-invoicing-dev-ApiUrl',
    });
  });

  it('runs the rollup nightly and has no warm-up schedule', () => {
    const schedules = resourcesOfType(t, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties?.ScheduleExpression,
    );
    expect(schedules).toHaveLength(1);
    const rule = schedules[0]![1].Properties!;
    expect(rule.ScheduleExpression).toBe('cron(15 2 * * ? *)');
    expect(refTarget(rule.Targets[0].Arn)).toBe('NightlyRollupLambdaFunction');
    expect(fn('nightlyRollup').ReservedConcurrentExecutions).toBe(1);
  });
});

describe('least privilege and hygiene (X3)', () => {
  it('grants no wildcard on data', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('encrypts and retains the failure queues for 14 days', () => {
    for (const name of ['ProjectorFailureQueue', 'AsyncFailureQueue']) {
      expect(resource(t, name).Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
  });
});
