/**
 * IAM enforced on a function's own AWS calls (local/src/iam): real functions in worker
 * threads (FunctionHost), each with its own access key, reach moto_server through the IAM
 * gateway. The same call succeeds for a role with the statement and fails, with the error
 * the SDK raises in AWS, for the role without it; the denial is one log line.
 */
import { createRequire } from 'node:module';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FaultInjector } from '../src/faults';
import { FunctionHost, type LocalFunction } from '../src/lambda/host';
import { memorySink } from '../src/log';
import { clientsFor } from '../src/provision';
import { accessKeyOf, identitiesOf, requestContextOf, startIamGateway, type IamGateway } from '../src/iam';
import type { LocalResource } from '../src/types';
import { ACCOUNT, REGION, functionZip, provision, scratchDir, unique } from './fixtures';

const motoUrl = inject('motoUrl');
const clients = clientsFor(motoUrl);
const requireFrom = createRequire(import.meta.url);
const sdk = (name: string) => JSON.stringify(requireFrom.resolve(name));

/** Runs the AWS call named in the event with the SDK, as a handler would; reports the outcome. */
const CALLER = `
const { DynamoDBClient, PutItemCommand, GetItemCommand } = require(${sdk('@aws-sdk/client-dynamodb')});
const { SQSClient, SendMessageCommand } = require(${sdk('@aws-sdk/client-sqs')});
const { SNSClient, PublishCommand } = require(${sdk('@aws-sdk/client-sns')});
const { S3Client, PutObjectCommand } = require(${sdk('@aws-sdk/client-s3')});
const { EventBridgeClient, PutEventsCommand } = require(${sdk('@aws-sdk/client-eventbridge')});
const { SSMClient, GetParameterCommand } = require(${sdk('@aws-sdk/client-ssm')});
const { SecretsManagerClient, GetSecretValueCommand } = require(${sdk('@aws-sdk/client-secrets-manager')});
const { LambdaClient, InvokeCommand } = require(${sdk('@aws-sdk/client-lambda')});
const { SFNClient, StartExecutionCommand } = require(${sdk('@aws-sdk/client-sfn')});
const calls = {
  put: (e) => new DynamoDBClient({}).send(new PutItemCommand({ TableName: e.table, Item: { pk: { S: e.id } } })),
  get: (e) => new DynamoDBClient({}).send(new GetItemCommand({ TableName: e.table, Key: { pk: { S: e.id } } })),
  sqs: (e) => new SQSClient({}).send(new SendMessageCommand({ QueueUrl: e.queueUrl, MessageBody: 'x' })),
  sns: (e) => new SNSClient({}).send(new PublishCommand({ TopicArn: e.topicArn, Message: 'x' })),
  s3: (e) => new S3Client({ forcePathStyle: true }).send(new PutObjectCommand({ Bucket: e.bucket, Key: 'k', Body: 'x' })),
  events: (e) => new EventBridgeClient({}).send(new PutEventsCommand({ Entries: [{ EventBusName: e.bus, Source: 's', DetailType: 'd', Detail: '{}' }] })),
  ssm: (e) => new SSMClient({}).send(new GetParameterCommand({ Name: e.parameter })),
  secrets: (e) => new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: e.secret })),
  lambda: (e) => new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'op-somebody-else', Payload: '{}' })),
  sfn: (e) => new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: e.machine, input: '{}' })),
};
exports.handler = async (event) => {
  try {
    await calls[event.call](event);
    return { ok: true };
  } catch (e) {
    return { ok: false, name: e.name, status: e.$metadata && e.$metadata.httpStatusCode, attempts: e.$metadata && e.$metadata.attempts, message: e.message };
  }
};`;

describe('IAM: a function gets only what its role allows', () => {
  const scratch = scratchDir();
  const log = memorySink();
  let host: FunctionHost;
  let gateway: IamGateway;
  let table: string;
  const faults = new FaultInjector({ log });
  const fns: Record<'withPut' | 'withoutPut' | 'bare', LocalFunction> = {} as never;
  const targets: Record<string, string> = {};

  beforeAll(async () => {
    // Arrange: real resources in moto, three roles shaped as osls writes them.
    table = (
      await provision(clients, 'AWS::DynamoDB::Table', {
        TableName: unique('op-iam-orders'),
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      })
    ).physicalId;
    const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`;
    const queue = await provision(clients, 'AWS::SQS::Queue', { QueueName: unique('op-iam-q') });
    const topic = await provision(clients, 'AWS::SNS::Topic', { TopicName: unique('op-iam-t') });
    const bucket = await provision(clients, 'AWS::S3::Bucket', { BucketName: unique('op-iam-b') });
    const bus = await provision(clients, 'AWS::Events::EventBus', { Name: unique('op-iam-bus') });
    const parameter = await provision(clients, 'AWS::SSM::Parameter', {
      Name: `/${unique('op-iam')}/p`,
      Type: 'String',
      Value: 'v',
    });
    const secret = await provision(clients, 'AWS::SecretsManager::Secret', {
      Name: unique('op-iam-s'),
      SecretString: 's',
    });
    Object.assign(targets, {
      table,
      queueUrl: queue.physicalId,
      topicArn: topic.physicalId,
      bucket: bucket.physicalId,
      bus: bus.physicalId,
      parameter: parameter.physicalId,
      secret: secret.physicalId,
      machine: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:op-iam-machine`,
    });
    const getStatement = { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: tableArn };
    const putStatement = { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: tableArn };
    const role = (name: string, statements: unknown[]): LocalResource => ({
      stack: '.',
      service: 'op-iam',
      logicalId: `${name}Role`,
      type: 'AWS::IAM::Role',
      physicalId: `op-iam-local-${name}-${REGION}-lambdaRole`,
      properties: {
        Policies: [
          {
            PolicyName: 'op-iam-local-lambda',
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
          },
        ],
      },
      attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/op-iam-local-${name}-${REGION}-lambdaRole` },
    });
    const roles = [
      role('withPut', [
        getStatement,
        putStatement,
        // For the fault-window case: calls it may make, that AWS then fails.
        { Effect: 'Allow', Action: ['sqs:SendMessage', 's3:PutObject'], Resource: '*' },
      ]),
      role('withoutPut', [getStatement]),
      role('bare', [{ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' }]),
    ];
    const zipPath = functionZip(scratch.dir, CALLER);
    for (const [key, r] of [
      ['withPut', roles[0]],
      ['withoutPut', roles[1]],
      ['bare', roles[2]],
    ] as const) {
      const name = unique(`op-iam-${key}`);
      fns[key] = {
        name,
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
        service: 'op-iam',
        key,
        zipPath,
        handler: 'index.handler',
        timeoutMs: 15_000,
        memoryMb: 256,
        environment: {},
        role: r!.attributes.Arn!,
      };
    }
    const { identities } = identitiesOf(Object.values(fns), roles);
    gateway = await startIamGateway({
      upstreams: { default: motoUrl },
      identities,
      adminKeys: new Set(['local']),
      context: requestContextOf(ACCOUNT, REGION, [secret], []),
      log,
      faults,
    });
    host = new FunctionHost({
      workDir: `${scratch.dir}/work`,
      runtimeEnv: {
        AWS_REGION: REGION,
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL: gateway.url,
      },
      environmentOf: (fn) => ({ AWS_ACCESS_KEY_ID: accessKeyOf(fn.name) }),
      log,
    });
    for (const fn of Object.values(fns)) host.register(fn);
  });

  afterAll(async () => {
    await host?.close();
    await gateway?.stop();
    scratch.remove();
  });

  const call = async (fn: LocalFunction, what: string, id = unique('o')) => {
    // The SQS client sends to the host of the queue URL (useQueueUrlAsEndpoint): the runner
    // hands the functions queue URLs on the gateway, as the platform does.
    const queueUrl = targets.queueUrl!.replace(motoUrl, gateway.url);
    const r = await host.invoke(fn.name, { call: what, id, ...targets, queueUrl });
    expect(r.error).toBeUndefined();
    return r.payload as { ok: boolean; name?: string; status?: number; attempts?: number; message?: string };
  };

  it('PutItem succeeds with the statement, and is AccessDeniedException without it, as in AWS', async () => {
    // Act
    const id = unique('order');
    const allowed = await call(fns.withPut, 'put', id);
    const denied = await call(fns.withoutPut, 'put', unique('order'));
    const read = await call(fns.withoutPut, 'get', id);

    // Assert: the allowed write reached moto; the denied one is the SDK's AccessDeniedException.
    expect(allowed).toEqual({ ok: true });
    expect(read).toEqual({ ok: true });
    const item = await clients.dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: id } } }),
    );
    expect(item.Item?.pk?.S).toBe(id);
    expect(denied).toMatchObject({ ok: false, name: 'AccessDeniedException', status: 400 });
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/op-iam-local-withoutPut-${REGION}-lambdaRole/${fns.withoutPut.name}` +
        ` is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}` +
        ' because no identity-based policy allows the dynamodb:PutItem action',
    );
    // One clear line in the runner's log.
    const lines = log.lines.filter((l) => l.source === 'iam' && l.message.startsWith('DENIED'));
    expect(lines).toEqual([
      {
        source: 'iam',
        message:
          `DENIED ${fns.withoutPut.name}: dynamodb:PutItem on arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}: ` +
          `no statement allows it (role op-iam-local-withoutPut-${REGION}-lambdaRole)`,
      },
    ]);
  });

  it.each([
    ['sqs', 'AccessDenied', 403],
    ['sns', 'AuthorizationErrorException', 403],
    ['s3', 'AccessDenied', 403],
    ['events', 'AccessDeniedException', 400],
    ['ssm', 'AccessDeniedException', 400],
    ['secrets', 'AccessDeniedException', 400],
    ['lambda', 'AccessDeniedException', 403],
    ['sfn', 'AccessDeniedException', 400],
  ])(
    'a %s call the role does not allow fails with the SDK error %s (HTTP %i)',
    async (what, name, status) => {
      const out = await call(fns.bare, what);
      expect(out).toMatchObject({ ok: false, name, status });
      expect(out.message).toContain('is not authorized to perform:');
    },
  );

  it('an AWS fault window: the allowed call gets the service error after the SDK retries, nothing is written', async () => {
    // Arrange: DynamoDB unavailable to one function, SQS and S3 throttling everyone.
    await faults.set({
      aws: [
        { atMs: 0, forMs: 60_000, service: 'dynamodb', operation: 'PutItem', function: fns.withPut.name },
        { atMs: 0, forMs: 60_000, service: 'sqs', error: 'throttled' },
        { atMs: 0, forMs: 60_000, service: 's3', error: 'throttled' },
      ],
    });
    try {
      // Act
      const id = unique('order');
      const put = await call(fns.withPut, 'put', id);
      const read = await call(fns.withPut, 'get', id);
      const denied = await call(fns.withoutPut, 'put', unique('order'));
      const sqs = await call(fns.withPut, 'sqs');
      const s3 = await call(fns.withPut, 's3');

      // Assert: the errors AWS answers, retried by the SDK as in AWS; the item never written.
      expect(put).toMatchObject({ ok: false, name: 'ServiceUnavailable', status: 503 });
      expect(read).toEqual({ ok: true });
      const item = await clients.dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: id } } }),
      );
      expect(item.Item).toBeUndefined();
      // A denial is decided first: a role without the statement still gets AccessDenied.
      expect(denied).toMatchObject({ ok: false, name: 'AccessDeniedException' });
      expect(sqs).toMatchObject({ ok: false, name: 'RequestThrottled' });
      expect(s3).toMatchObject({ ok: false, name: 'SlowDown', status: 503 });
      // Each a retryable error: the SDK tried again (its own count, 3 or 4 by client).
      for (const r of [put, sqs, s3]) expect(r.attempts).toBeGreaterThan(1);
      expect(faults.snapshot().counts['aws-error']).toBe(put.attempts! + sqs.attempts! + s3.attempts!);
    } finally {
      await faults.set(undefined);
    }
    expect(await call(fns.withPut, 'put', unique('order'))).toEqual({ ok: true });
  });

  it("the runner's own credentials pass unchecked", async () => {
    const admin = clientsFor(gateway.url);
    await expect(
      admin.dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'x' } } })),
    ).resolves.toBeDefined();
  });
});
