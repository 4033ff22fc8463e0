/**
 * Template layer: the router (P16). Every task has its own on-failure destination (an
 * alarmed queue), every function its own least-privilege role, and the router may
 * invoke its three tasks and nothing else.
 */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  refTarget,
  resourcesOfType,
  wildcardStatements,
  type PolicyStatement,
} from '../../../test-support/src/template';

const t = loadTemplate('services/fulfilment');
const json = (v: unknown) => JSON.stringify(v);
const actions = (s: PolicyStatement) => ([] as string[]).concat(s.Action);
const roleOf = (fn: string) => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}IamRoleLambdaExecution`;
/** Each function's statements, X-Ray (inherited by every role) and its own log group aside. */
const statementsOf = (fn: string) =>
  iamStatements(t)
    .filter((s) => s.owner === roleOf(fn))
    .map((s) => s.statement)
    .filter((s) => !actions(s).every((a) => a.startsWith('xray:')))
    .filter((s) => {
      if (!actions(s).every((a) => a.startsWith('logs:'))) return true;
      // osls's log statements: the function's own log group, nothing else.
      expect(json(s.Resource)).toContain(`log-group:/aws/lambda/op-fulfilment-dev-${fn}:`);
      return false;
    });
const grants = (fn: string) =>
  statementsOf(fn)
    .flatMap((s) =>
      actions(s).flatMap((a) => ([] as unknown[]).concat(s.Resource).map((r) => `${a} ${json(r)}`)),
    )
    .sort();

const TASKS = {
  fulfilPhysical: 'PhysicalFailuresQueue',
  fulfilDigital: 'DigitalFailuresQueue',
  fulfilGiftcard: 'GiftcardFailuresQueue',
} as const;

function invokeConfigOf(fn: string) {
  const [fnId] = lambdaFunction(t, fn);
  const configs = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').filter(
    ([, c]) => refTarget(c.Properties?.FunctionName) === fnId,
  );
  expect(configs, fn).toHaveLength(1);
  return configs[0]![1].Properties!;
}

const alarmedQueues = () =>
  resourcesOfType(t, 'AWS::CloudWatch::Alarm').flatMap(([, a]) =>
    ((a.Properties?.Dimensions ?? []) as { Name: string; Value: unknown }[])
      .filter((d) => d.Name === 'QueueName')
      .map((d) => refTarget(d.Value)),
  );

describe('fulfilment stack template (P16 router)', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('invokes the router from an EventBridge rule on OrderConfirmed v1, with a failure destination of its own', () => {
    const [fnId] = lambdaFunction(t, 'routeOrder');
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) =>
      (r.Properties?.Targets as { Arn: unknown }[]).some((x) => refTarget(x.Arn) === fnId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties?.EventPattern).toEqual({
      source: ['order-platform.orders'],
      'detail-type': ['OrderConfirmed'],
      detail: { metadata: { version: [1] } },
    });
    const cfg = invokeConfigOf('routeOrder');
    expect(refTarget(cfg.DestinationConfig.OnFailure.Destination)).toBe('RouterFailuresQueue');
  });

  it('gives every task its own on-failure destination, alarmed, and retries it at most once', () => {
    const alarmed = alarmedQueues();
    for (const [task, queue] of Object.entries(TASKS)) {
      const cfg = invokeConfigOf(task);
      expect(refTarget(cfg.DestinationConfig.OnFailure.Destination), task).toBe(queue);
      expect(cfg.MaximumRetryAttempts, task).toBe(1);
      expect(alarmed, queue).toContain(queue);
      // Lambda sends the failure record with the task's own role.
      expect(grants(task), task).toContain(`sqs:SendMessage ${json({ 'Fn::GetAtt': [queue, 'Arn'] })}`);
      // Nothing but the router calls a task: no event source, no API route, no rule.
      const [fnId] = lambdaFunction(t, task);
      const permissions = resourcesOfType(t, 'AWS::Lambda::Permission').filter(
        ([, p]) => refTarget(p.Properties?.FunctionName) === fnId,
      );
      expect(permissions, task).toEqual([]);
    }
  });

  it('lets the router invoke its three tasks and nothing else, each named in its routing table', () => {
    const invoke = statementsOf('routeOrder').filter((s) => actions(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(actions(invoke[0]!)).toEqual(['lambda:InvokeFunction']);
    const targets = ([] as unknown[]).concat(invoke[0]!.Resource).map((r) => refTarget(r));
    const taskIds = Object.keys(TASKS).map((fn) => lambdaFunction(t, fn)[0]);
    expect(targets.sort()).toEqual([...taskIds].sort());
    const [, router] = lambdaFunction(t, 'routeOrder');
    const env = router.Properties?.Environment?.Variables as Record<string, unknown>;
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('TASK_'))
        .map((k) => refTarget(env[k]))
        .sort(),
    ).toEqual([...taskIds].sort());
    expect(grants('routeOrder')).toEqual(
      [
        ...taskIds.map((id) => `lambda:InvokeFunction ${json({ 'Fn::GetAtt': [id, 'Arn'] })}`),
        `sqs:SendMessage ${json({ 'Fn::GetAtt': ['RouterFailuresQueue', 'Arn'] })}`,
      ].sort(),
    );
  });

  it('holds each function to what it does (least privilege per function)', () => {
    const table = json({ 'Fn::GetAtt': ['FulfilmentTable', 'Arn'] });
    const products = json({ 'Fn::Sub': '${FulfilmentBucket.Arn}/products/*' });
    const queue = (q: string) => json({ 'Fn::GetAtt': [q, 'Arn'] });
    expect(grants('fulfilPhysical')).toEqual(
      [
        `dynamodb:PutItem ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `sqs:SendMessage ${queue('PhysicalFailuresQueue')}`,
      ].sort(),
    );
    expect(grants('fulfilDigital')).toEqual(
      [
        `dynamodb:PutItem ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `s3:GetObject ${products}`,
        `sqs:SendMessage ${queue('DigitalFailuresQueue')}`,
      ].sort(),
    );
    expect(grants('fulfilGiftcard')).toEqual(
      [
        `dynamodb:PutItem ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `sqs:SendMessage ${queue('GiftcardFailuresQueue')}`,
      ].sort(),
    );
    expect(grants('trackShipment')).toEqual(
      [
        `dynamodb:Query ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `sqs:SendMessage ${queue('TrackingFailuresQueue')}`,
      ].sort(),
    );
    expect(grants('getFulfilment')).toEqual(
      [`dynamodb:Query ${table}`, `dynamodb:UpdateItem ${table}`, `s3:GetObject ${products}`].sort(),
    );
    expect(grants('redeemGiftCard')).toEqual(
      [`dynamodb:GetItem ${table}`, `dynamodb:UpdateItem ${table}`].sort(),
    );
  });

  it('follows the carrier through ShipmentUpdated v1 from the webhook service', () => {
    const [fnId] = lambdaFunction(t, 'trackShipment');
    const rule = resourcesOfType(t, 'AWS::Events::Rule').find(([, r]) =>
      (r.Properties?.Targets as { Arn: unknown }[]).some((x) => refTarget(x.Arn) === fnId),
    )!;
    expect(rule[1].Properties?.EventPattern).toMatchObject({
      source: ['order-platform.shipments'],
      'detail-type': ['ShipmentUpdated'],
    });
    expect(refTarget(invokeConfigOf('trackShipment').DestinationConfig.OnFailure.Destination)).toBe(
      'TrackingFailuresQueue',
    );
  });

  it('keeps the product files private and the API behind the gatekeeper', () => {
    const [, bucket] = resourcesOfType(t, 'AWS::S3::Bucket').find(([id]) => id === 'FulfilmentBucket')!;
    expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method');
    expect(methods.length).toBe(2);
    for (const [id, m] of methods) expect(m.Properties?.AuthorizationType, id).toBe('CUSTOM');
  });
});
