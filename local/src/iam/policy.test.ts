import { describe, expect, it } from 'vitest';
import { deniedMessage, errorReply } from './errors';
import { accessKeyOf, identitiesOf, secretArnLookup } from './identities';
import { DecisionCache, evaluate, evaluateAll, principalArnOf, type RoleIdentity } from './policy';
import type { LocalResource } from '../types';

const A = '123456789012';
const R = 'us-east-1';
const ORDERS = `arn:aws:dynamodb:${R}:${A}:table/op-orders-local-orders`;
const MACHINE = `arn:aws:states:${R}:${A}:stateMachine:op-orders-local-order-saga`;

const role = (statements: unknown[]): RoleIdentity => ({
  functionName: 'op-orders-local-createOrder',
  roleName: 'op-orders-local-createOrder-us-east-1-lambdaRole',
  roleArn: `arn:aws:iam::${A}:role/op-orders-local-createOrder-us-east-1-lambdaRole`,
  policies: [{ name: 'op-orders-local-lambda', document: { Version: '2012-10-17', Statement: statements } }],
  unevaluatedManagedPolicies: [],
});

const allow = (Action: string | string[], Resource: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});

describe("evaluating a function's role with @cloud-copilot/iam-simulate", () => {
  it('allows an action a statement grants on that resource, and nothing else', async () => {
    const r = role([allow(['dynamodb:PutItem', 'dynamodb:GetItem'], ORDERS)]);
    expect((await evaluate(A, R, r, { action: 'dynamodb:PutItem', resource: ORDERS })).outcome).toBe(
      'Allowed',
    );
    expect((await evaluate(A, R, r, { action: 'dynamodb:UpdateItem', resource: ORDERS })).outcome).toBe(
      'ImplicitlyDenied',
    );
    const other = await evaluate(A, R, r, { action: 'dynamodb:PutItem', resource: `${ORDERS}-archive` });
    expect(other).toMatchObject({ outcome: 'ImplicitlyDenied', reason: 'no statement allows it' });
  });

  it('matches wildcards in actions and resources (an index under table/*/index/*)', async () => {
    const r = role([allow('dynamodb:Get*', `${ORDERS}*`), allow('dynamodb:Query', `${ORDERS}/index/*`)]);
    expect((await evaluate(A, R, r, { action: 'dynamodb:GetItem', resource: ORDERS })).outcome).toBe(
      'Allowed',
    );
    expect(
      (await evaluate(A, R, r, { action: 'dynamodb:Query', resource: `${ORDERS}/index/byCustomer` })).outcome,
    ).toBe('Allowed');
    expect((await evaluate(A, R, r, { action: 'dynamodb:Query', resource: ORDERS })).outcome).toBe(
      'ImplicitlyDenied',
    );
    const s3 = role([allow('s3:GetObject', 'arn:aws:s3:::bucket/imports/*')]);
    expect(
      (await evaluate(A, R, s3, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/imports/a/b.csv' }))
        .outcome,
    ).toBe('Allowed');
    expect(
      (await evaluate(A, R, s3, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/reports/x' }))
        .outcome,
    ).toBe('ImplicitlyDenied');
  });

  it('lets an explicit Deny win over an Allow', async () => {
    const r = role([
      allow('s3:*', 'arn:aws:s3:::b/*'),
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
    ]);
    const d = await evaluate(A, R, r, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' });
    expect(d).toMatchObject({ outcome: 'ExplicitlyDenied', reason: 'an explicit Deny statement matches' });
  });

  it('evaluates conditions on the keys a Lambda request carries (aws:RequestedRegion, aws:SecureTransport)', async () => {
    const r = role([
      allow('ssm:GetParameter', `arn:aws:ssm:${R}:${A}:parameter/op/*`, {
        Condition: { StringEquals: { 'aws:RequestedRegion': R }, Bool: { 'aws:SecureTransport': 'true' } },
      }),
      allow('ssm:GetParameters', `arn:aws:ssm:${R}:${A}:parameter/op/*`, {
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      }),
    ]);
    const p = `arn:aws:ssm:${R}:${A}:parameter/op/x`;
    expect((await evaluate(A, R, r, { action: 'ssm:GetParameter', resource: p })).outcome).toBe('Allowed');
    expect((await evaluate(A, R, r, { action: 'ssm:GetParameters', resource: p })).outcome).toBe(
      'ImplicitlyDenied',
    );
  });

  it('needs every resource of a multi-resource request: the first one not allowed decides', async () => {
    const r = role([allow('dynamodb:BatchWriteItem', [ORDERS, `${ORDERS}-lines`])]);
    const all = [ORDERS, `${ORDERS}-lines`].map((resource) => ({
      action: 'dynamodb:BatchWriteItem',
      resource,
    }));
    expect(await evaluateAll(A, R, r, all)).toBeUndefined();
    const withThird = [...all, { action: 'dynamodb:BatchWriteItem', resource: `${ORDERS}-audit` }];
    expect((await evaluateAll(A, R, r, withThird))?.check.resource).toBe(`${ORDERS}-audit`);
  });

  it("scopes states:SendTask* to the token's state machine, as AWS does", async () => {
    const r = role([allow(['states:SendTaskSuccess'], MACHINE)]);
    expect((await evaluate(A, R, r, { action: 'states:SendTaskSuccess', resource: MACHINE })).outcome).toBe(
      'Allowed',
    );
    expect((await evaluate(A, R, r, { action: 'states:SendTaskFailure', resource: MACHINE })).outcome).toBe(
      'ImplicitlyDenied',
    );
    expect(
      (
        await evaluate(A, R, r, {
          action: 'states:SendTaskSuccess',
          resource: `${MACHINE.replace('saga', 'other')}`,
        })
      ).outcome,
    ).toBe('ImplicitlyDenied');
    const star = role([allow('states:SendTask*', '*')]);
    expect(
      (await evaluate(A, R, star, { action: 'states:SendTaskHeartbeat', resource: MACHINE })).outcome,
    ).toBe('Allowed');
  });

  it("words the denial as AWS does and answers in each protocol's error shape", () => {
    const r = role([]);
    const msg = deniedMessage(principalArnOf(A, r), { action: 'dynamodb:PutItem', resource: ORDERS }, false);
    expect(msg).toBe(
      `User: arn:aws:sts::${A}:assumed-role/op-orders-local-createOrder-us-east-1-lambdaRole/op-orders-local-createOrder` +
        ` is not authorized to perform: dynamodb:PutItem on resource: ${ORDERS} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(JSON.parse(errorReply('dynamodb', 'json', msg).body)).toMatchObject({
      __type: 'AccessDeniedException',
      message: msg,
    });
    expect(errorReply('sns', 'query', msg)).toMatchObject({
      status: 403,
      body: expect.stringContaining('<Code>AuthorizationError</Code>'),
    });
    expect(errorReply('ses', 'query', msg).body).toContain('<Type>Sender</Type><Code>AccessDenied</Code>');
    expect(errorReply('s3', 'rest-xml', msg).body).toContain('<Error><Code>AccessDenied</Code>');
    expect(errorReply('lambda', 'rest-json', msg)).toMatchObject({
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
    });
    expect(errorReply('sqs', 'sqs', msg).headers['x-amzn-query-error']).toBe('AccessDenied;Sender');
  });
});

describe('the identities of the functions', () => {
  const res = (
    type: string,
    logicalId: string,
    physicalId: string,
    properties: object,
    attributes = {},
  ): LocalResource => ({
    stack: 'services/orders',
    service: 'op-orders',
    logicalId,
    type,
    physicalId,
    properties,
    attributes,
  });

  it("maps each function's access key to its role, with inline, attached and stack-managed policies", () => {
    const doc = (a: string) => ({ Version: '2012-10-17', Statement: [allow(a, '*')] });
    const resources = [
      res(
        'AWS::IAM::Role',
        'CreateOrderIamRoleLambdaExecution',
        'create-role',
        {
          Policies: [{ PolicyName: 'inline', PolicyDocument: doc('dynamodb:PutItem') }],
          ManagedPolicyArns: [
            `arn:aws:iam::${A}:policy/extra`,
            'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
          ],
        },
        { Arn: `arn:aws:iam::${A}:role/create-role` },
      ),
      res('AWS::IAM::Policy', 'Attached', 'attached-x', {
        PolicyName: 'attached',
        Roles: ['create-role'],
        PolicyDocument: doc('sqs:SendMessage'),
      }),
      res('AWS::IAM::ManagedPolicy', 'Extra', `arn:aws:iam::${A}:policy/extra`, {
        ManagedPolicyName: 'extra',
        PolicyDocument: doc('sns:Publish'),
      }),
    ];
    const { identities, missing } = identitiesOf(
      [
        { name: 'op-orders-local-createOrder', role: `arn:aws:iam::${A}:role/create-role` },
        { name: 'op-orders-local-roleless' },
      ],
      resources,
    );
    expect(missing).toEqual(['op-orders-local-roleless']);
    const id = identities.get(accessKeyOf('op-orders-local-createOrder'))!;
    expect(id.roleName).toBe('create-role');
    expect(id.policies.map((p) => p.name)).toEqual(['inline', 'attached', 'extra']);
    expect(id.unevaluatedManagedPolicies).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    ]);
    expect(accessKeyOf('op-orders-local-createOrder')).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(accessKeyOf('op-orders-local-getOrder')).not.toBe(accessKeyOf('op-orders-local-createOrder'));
  });

  it('finds a secret ARN from its name, its partial ARN or itself', () => {
    const arn = `arn:aws:secretsmanager:${R}:${A}:secret:op/db-AbCdEf`;
    const lookup = secretArnLookup([res('AWS::SecretsManager::Secret', 'Db', arn, { Name: 'op/db' })]);
    expect(lookup('op/db')).toBe(arn);
    expect(lookup(arn)).toBe(arn);
    expect(lookup(`arn:aws:secretsmanager:${R}:${A}:secret:op/db`)).toBe(arn);
    expect(lookup('other')).toBeUndefined();
  });
});

describe('an SNS topic policy evaluated beside the role (same account)', () => {
  const TOPIC = `arn:aws:sns:${R}:${A}:op-billing-notifier-local-billing-ops`;
  const trigger = {
    ...role([allow('sns:Publish', TOPIC)]),
    functionName: 'op-billing-notifier-local-announceInvoiceDocument',
    roleArn: `arn:aws:iam::${A}:role/announce-role`,
  };
  const intruder = { ...role([allow('sns:Publish', TOPIC)]), roleArn: `arn:aws:iam::${A}:role/other-role` };
  const onlyTheTrigger = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheTriggerPublishes',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: TOPIC,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': trigger.roleArn } },
      },
      {
        Sid: 'AccountSubscribers',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:root` },
        Action: ['sns:Subscribe'],
        Resource: TOPIC,
      },
    ],
  };
  const publish = { action: 'sns:Publish', resource: TOPIC };

  it("lets the role's Publish through unless the topic's explicit Deny names the caller out", async () => {
    expect((await evaluate(A, R, trigger, publish, onlyTheTrigger)).outcome).toBe('Allowed');
    expect(await evaluate(A, R, intruder, publish, onlyTheTrigger)).toMatchObject({
      outcome: 'ExplicitlyDenied',
      reason: 'an explicit Deny statement matches',
    });
    // Without the topic policy the same role would have been allowed.
    expect((await evaluate(A, R, intruder, publish)).outcome).toBe('Allowed');
  });

  it('evaluateAll asks for the policy of each checked resource', async () => {
    const asked: string[] = [];
    const denied = await evaluateAll(A, R, intruder, [publish], (arn) => {
      asked.push(arn);
      return onlyTheTrigger;
    });
    expect(asked).toEqual([TOPIC]);
    expect(denied?.outcome).toBe('ExplicitlyDenied');
  });
});

describe('DecisionCache', () => {
  const put = { action: 'dynamodb:PutItem', resource: ORDERS };
  const update = { action: 'dynamodb:UpdateItem', resource: ORDERS };

  it('evaluates each check of an identity once and answers repeats with the same outcome', async () => {
    const cache = new DecisionCache();
    const r = role([allow('dynamodb:PutItem', ORDERS)]);
    expect((await cache.evaluate(A, R, r, put)).outcome).toBe('Allowed');
    expect((await cache.evaluate(A, R, r, update)).outcome).toBe('ImplicitlyDenied');
    expect((await cache.evaluate(A, R, r, { ...put })).outcome).toBe('Allowed');
    expect((await cache.evaluate(A, R, r, { ...update })).outcome).toBe('ImplicitlyDenied');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });
  });

  it('keeps identities and resource policies apart: another role or topic policy is a new decision', async () => {
    const cache = new DecisionCache();
    const allowed = role([allow('dynamodb:PutItem', ORDERS)]);
    const other = role([allow('dynamodb:GetItem', ORDERS)]);
    expect((await cache.evaluate(A, R, allowed, put)).outcome).toBe('Allowed');
    expect((await cache.evaluate(A, R, other, put)).outcome).toBe('ImplicitlyDenied');
    const deny = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'dynamodb:PutItem', Resource: ORDERS }],
    };
    expect((await cache.evaluate(A, R, allowed, put, deny)).outcome).toBe('ExplicitlyDenied');
    expect(cache.hits).toBe(0);
  });

  it('never keeps a decision of a policy that reads the time', async () => {
    const cache = new DecisionCache();
    const r = role([
      allow('dynamodb:PutItem', ORDERS, {
        Condition: { DateLessThan: { 'aws:CurrentTime': '2999-01-01T00:00:00Z' } },
      }),
    ]);
    expect((await cache.evaluate(A, R, r, put)).outcome).toBe('Allowed');
    expect((await cache.evaluate(A, R, r, put)).outcome).toBe('Allowed');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 0, misses: 0 });
  });
});
