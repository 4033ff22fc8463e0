/**
 * P30: gradual release of the orders API. The production package (npm run
 * package:release) publishes versions behind a `live` alias that CodeDeploy shifts with
 * rollback alarms and a pre-traffic hook; the dev package deploys all at once and has
 * none of it.
 */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  loadTemplate,
  resourcesOfType,
  type CfnTemplate,
} from '@order-platform/test-support/template';

const API_FUNCTIONS = ['CreateOrder', 'GetOrder', 'ListCustomerOrders', 'CancelOrder'];
const RELEASE_TYPES = [
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::CodeDeploy::Application',
  'AWS::CodeDeploy::DeploymentGroup',
];
const flat = (v: unknown) => JSON.stringify(v);
const actionsOf = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

describe('the production package releases the API gradually', () => {
  const prod: CfnTemplate = loadTemplate('services/orders', '.serverless-prod');

  it.each(API_FUNCTIONS)(
    '%s: a version behind the live alias, shifted 10 percent, then the rest after 5 minutes',
    (fn) => {
      const alias = prod.Resources[`${fn}LambdaFunctionAliaslive`];
      expect(alias?.Type).toBe('AWS::Lambda::Alias');
      expect(alias!.Properties!.Name).toBe('live');
      const versionId = alias!.Properties!.FunctionVersion['Fn::GetAtt'][0] as string;
      expect(prod.Resources[versionId]?.Type).toBe('AWS::Lambda::Version');
      const update = (
        alias as unknown as { UpdatePolicy: { CodeDeployLambdaAliasUpdate: Record<string, unknown> } }
      ).UpdatePolicy.CodeDeployLambdaAliasUpdate;
      expect(update.BeforeAllowTrafficHook).toEqual({ Ref: 'PreTrafficSmokeLambdaFunction' });
      const group = prod.Resources[`${fn}LambdaFunctionDeploymentGroup`]!;
      expect(update.DeploymentGroupName).toEqual({ Ref: `${fn}LambdaFunctionDeploymentGroup` });
      expect(flat(group.Properties!.DeploymentConfigName)).toContain('Canary10Percent5Minutes');
      expect(group.Properties!.AutoRollbackConfiguration.Events).toContain('DEPLOYMENT_STOP_ON_ALARM');
      expect(group.Properties!.ServiceRoleArn).toEqual({ 'Fn::GetAtt': ['CodeDeployServiceRole', 'Arn'] });
    },
  );

  it.each(API_FUNCTIONS)('%s: its errors and p99 latency on the alias are the rollback alarms', (fn) => {
    const group = prod.Resources[`${fn}LambdaFunctionDeploymentGroup`]!;
    expect(group.Properties!.AlarmConfiguration).toEqual({
      Enabled: true,
      Alarms: [
        { Name: { Ref: `${fn}LambdaFunctionCanaryErrorsAlarm` } },
        { Name: { Ref: `${fn}LambdaFunctionCanaryLatencyAlarm` } },
      ],
    });
    const errors = prod.Resources[`${fn}LambdaFunctionCanaryErrorsAlarm`]!.Properties!;
    const latency = prod.Resources[`${fn}LambdaFunctionCanaryLatencyAlarm`]!.Properties!;
    expect([errors.MetricName, latency.MetricName, latency.ExtendedStatistic]).toEqual([
      'Errors',
      'Duration',
      'p99',
    ]);
    for (const alarm of [errors, latency])
      expect(alarm.Dimensions).toContainEqual({
        Name: 'Resource',
        Value: { 'Fn::Sub': `\${${fn}LambdaFunction}:live` },
      });
  });

  it('API Gateway calls the alias, and the alias alone may be invoked by it', () => {
    for (const [, m] of resourcesOfType(prod, 'AWS::ApiGateway::Method')) {
      const uri = flat(m.Properties!.Integration?.Uri ?? '');
      for (const fn of API_FUNCTIONS)
        if (uri.includes(`"${fn}LambdaFunction`)) expect(uri).toContain(`${fn}LambdaFunctionAliaslive`);
    }
    for (const fn of API_FUNCTIONS)
      expect(prod.Resources[`${fn}LambdaPermissionApiGateway`]!.Properties!.FunctionName).toEqual({
        Ref: `${fn}LambdaFunctionAliaslive`,
      });
  });

  it('the hook and CodeDeploy hold least privilege: no wildcard actions, no managed policies, nothing beyond this stack', () => {
    const owners = ['PreTrafficSmokeIamRoleLambdaExecution', 'CodeDeployServiceRole'];
    const statements = iamStatements(prod).filter((s) => owners.includes(s.owner));
    expect(new Set(statements.map((s) => s.owner))).toEqual(new Set(owners));
    for (const { statement } of statements) {
      const actions = actionsOf(statement.Action);
      for (const a of actions) expect(a).not.toMatch(/\*/);
      // X-Ray accepts its two actions only on "*" (the provider-level statement).
      if (!actions.every((a) => a.startsWith('xray:'))) expect(flat(statement.Resource)).not.toBe('"*"');
    }
    const hook = statements
      .filter((s) => s.owner === owners[0])
      .flatMap((s) => actionsOf(s.statement.Action));
    expect(hook.sort()).toEqual(
      [
        'codedeploy:GetDeployment',
        'codedeploy:PutLifecycleEventHookExecutionStatus',
        'lambda:InvokeFunction',
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // The hook invokes versions of the four API functions only, nothing else.
    const invoke = flat(
      statements.find((s) => s.owner === owners[0] && flat(s.statement.Action).includes('lambda:Invoke'))!
        .statement.Resource,
    );
    expect(invoke.match(/function:[\w-]+:\*/g)?.sort()).toEqual(
      ['cancelOrder', 'createOrder', 'getOrder', 'listCustomerOrders'].map(
        (f) => `function:op-orders-prod-${f}:*`,
      ),
    );
    const codeDeploy = flat(prod.Resources.CodeDeployServiceRole!.Properties!.Policies);
    expect(codeDeploy).toContain('PreTrafficSmokeLambdaFunction');
    expect(prod.Resources.CodeDeployServiceRole!.Properties!.ManagedPolicyArns).toBeUndefined();
  });
});

describe('the dev package deploys all at once', () => {
  const dev = loadTemplate('services/orders');

  it('has no versions, alias, CodeDeploy, rollback alarms or hook', () => {
    for (const type of RELEASE_TYPES) expect(resourcesOfType(dev, type)).toEqual([]);
    expect(Object.keys(dev.Resources).filter((id) => /Canary|PreTrafficSmoke|CodeDeploy/.test(id))).toEqual(
      [],
    );
  });
});
