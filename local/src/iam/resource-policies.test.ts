import { describe, expect, it } from 'vitest';
import type { LocalResource } from '../types';
import { ResourcePolicies, functionArnOf, lambdaPolicies, topicPolicies } from './resource-policies';

const ACCOUNT = '000000000000';
const REGION = 'eu-west-1';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:op-orders-local-onPaid`;

const resource = (type: string, logicalId: string, properties: Record<string, unknown>, extra = {}) =>
  ({
    stack: 'services/orders',
    service: 'op-orders',
    logicalId,
    type,
    properties,
    physicalId: logicalId,
    attributes: {},
    ...extra,
  }) as LocalResource;

const permission = (logicalId: string, props: Record<string, unknown>) =>
  resource('AWS::Lambda::Permission', logicalId, {
    FunctionName: FN,
    Action: 'lambda:InvokeFunction',
    ...props,
  });

describe('Lambda permissions (AWS::Lambda::Permission as the function policy)', () => {
  it('admits the principal from the source ARN it names, wildcards matched as ArnLike', async () => {
    // Arrange: what osls writes for an API (any stage, any method, any path) and an SNS topic.
    const policies = new ResourcePolicies(
      [
        permission('ApiPermission', {
          Principal: 'apigateway.amazonaws.com',
          SourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/*/*`,
        }),
        permission('TopicPermission', {
          Principal: 'sns.amazonaws.com',
          SourceArn: `arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-paid`,
        }),
      ],
      ACCOUNT,
      REGION,
    );

    // Act / Assert
    const api = (sourceArn: string) =>
      policies.canInvoke('op-orders-local-onPaid', { principal: 'apigateway.amazonaws.com', sourceArn });
    expect(
      (await api(`arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/local/POST/orders/{id}`)).allowed,
    ).toBe(true);
    expect((await api(`arn:aws:execute-api:${REGION}:${ACCOUNT}:other1/local/POST/orders`)).allowed).toBe(
      false,
    );
    const sns = (sourceArn: string) => policies.canInvoke(FN, { principal: 'sns.amazonaws.com', sourceArn });
    expect((await sns(`arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-paid`)).allowed).toBe(true);
    const other = await sns(`arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-refunded`);
    expect(other).toEqual({
      allowed: false,
      reason: `no statement of its resource policy allows sns.amazonaws.com from arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-refunded`,
    });
    // The right source, the wrong service principal.
    expect(
      (
        await policies.canInvoke(FN, {
          principal: 'events.amazonaws.com',
          sourceArn: `arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-paid`,
        })
      ).allowed,
    ).toBe(false);
  });

  it('a permission without SourceArn admits the principal from anywhere; no permission admits nothing', async () => {
    const open = new ResourcePolicies(
      [permission('EventsPermission', { Principal: 'events.amazonaws.com' })],
      ACCOUNT,
      REGION,
    );
    const none = new ResourcePolicies([], ACCOUNT, REGION);
    const delivery = {
      principal: 'events.amazonaws.com' as const,
      sourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/op-orders-local-nightly`,
    };
    expect((await open.canInvoke(FN, delivery)).allowed).toBe(true);
    expect(await none.canInvoke(FN, delivery)).toEqual({
      allowed: false,
      reason: 'it has no resource policy',
    });
  });

  it('the function is named by name, ARN or qualified ARN; the policy covers its versions', async () => {
    expect(functionArnOf('op-x', ACCOUNT, REGION)).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:op-x`);
    expect(functionArnOf(`${FN}:live`, ACCOUNT, REGION)).toBe(FN);
    expect(
      functionArnOf(
        `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FN}/invocations`,
        ACCOUNT,
        REGION,
      ),
    ).toBe(FN);
    const doc = lambdaPolicies(
      [
        permission('P', {
          FunctionName: 'op-orders-local-onPaid',
          Principal: 's3.amazonaws.com',
          SourceAccount: ACCOUNT,
        }),
      ],
      ACCOUNT,
      REGION,
    ).get(FN);
    expect(doc?.Statement).toEqual([
      {
        Sid: 'P',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: [FN, `${FN}:*`],
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
  });
});

describe('queue policies (AWS::SQS::QueuePolicy)', () => {
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:op-orders-local-events`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:op-payments-local-paid`;
  const queue = resource(
    'AWS::SQS::Queue',
    'EventsQueue',
    {},
    { physicalId: `http://moto/${ACCOUNT}/op-orders-local-events`, attributes: { Arn: queueArn } },
  );
  const policy = (statement: Record<string, unknown>) =>
    resource('AWS::SQS::QueuePolicy', 'EventsQueuePolicy', {
      Queues: [queue.physicalId],
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] },
    });

  it('admits SNS only from the topic its aws:SourceArn condition names', async () => {
    const policies = new ResourcePolicies(
      [
        queue,
        policy({
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queueArn,
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        }),
      ],
      ACCOUNT,
      REGION,
    );
    expect(
      (await policies.canSend(queueArn, { principal: 'sns.amazonaws.com', sourceArn: topicArn })).allowed,
    ).toBe(true);
    expect(
      (await policies.canSend(queueArn, { principal: 'sns.amazonaws.com', sourceArn: `${topicArn}-other` }))
        .allowed,
    ).toBe(false);
    expect(
      (
        await policies.canSend(queueArn, {
          principal: 'events.amazonaws.com',
          sourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/r`,
        })
      ).allowed,
    ).toBe(false);
  });

  it('an explicit Deny wins; a queue without a policy admits no service', async () => {
    const policies = new ResourcePolicies(
      [
        queue,
        resource('AWS::SQS::QueuePolicy', 'P', {
          Queues: [queue.physicalId],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:*',
                Resource: queueArn,
              },
              {
                Effect: 'Deny',
                Principal: '*',
                Action: 'sqs:SendMessage',
                Resource: queueArn,
                Condition: {
                  ArnLike: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/blocked*` },
                },
              },
            ],
          },
        }),
      ],
      ACCOUNT,
      REGION,
    );
    const rule = (name: string) => ({
      principal: 'events.amazonaws.com' as const,
      sourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
    });
    expect((await policies.canSend(queueArn, rule('ok'))).allowed).toBe(true);
    expect(await policies.canSend(queueArn, rule('blocked-1'))).toEqual({
      allowed: false,
      reason: 'an explicit Deny statement of its resource policy matches',
    });
    expect((await policies.canSend(`${queueArn}-2`, rule('ok'))).reason).toBe('it has no resource policy');
  });
});

describe('topic policies', () => {
  it('are found by each topic ARN the policy names', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sns:Publish' }],
    };
    const a = `arn:aws:sns:${REGION}:${ACCOUNT}:a`;
    const b = `arn:aws:sns:${REGION}:${ACCOUNT}:b`;
    const policies = topicPolicies([
      resource('AWS::SNS::TopicPolicy', 'P', { Topics: [a, b], PolicyDocument: doc }),
      resource('AWS::SNS::Topic', 'A', {}, { physicalId: a }),
    ]);
    expect([...policies.keys()]).toEqual([a, b]);
    expect(policies.get(a)).toBe(doc);
  });
});
