/**
 * Resource policies and the non-function roles, enforced on real engines (moto_server,
 * functions in worker threads, the local Step Functions engine and IAM gateway). Each
 * test takes one grant away from resources shaped as the packaged templates declare them
 * (an AWS::Lambda::Permission, an AWS::SQS::QueuePolicy, a statement of a state machine's
 * role), shows the failure surfacing as it does in AWS, then puts it back: the same
 * delivery / execution succeeds.
 */
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiGateway, type LocalApiGateway } from '../src/apigw/index';
import {
  ACCOUNT as APIGW_ACCOUNT,
  CARRIER_UPDATE,
  FakeFunctions,
  REGION as APIGW_REGION,
  WEBHOOK_API,
  webhookResources,
} from '../src/apigw/test-fixtures';
import {
  ResourcePolicies,
  identitiesOf,
  integrationRoleKeyOf,
  stateMachineIam,
  stateMachineKeyOf,
  startIamGateway,
  type IamGateway,
  type RoleIdentity,
} from '../src/iam';
import { memorySink } from '../src/log';
import { clientsFor, emptyRunnables } from '../src/provision';
import { startStepFunctions } from '../src/sfn/index';
import { fakeFunctions, sfnClient, stateMachineResource } from '../src/sfn/test-helpers';
import { holdRefusedQueueDeliveries, startShadow } from '../src/sources';
import type { LocalResource } from '../src/types';
import {
  ACCOUNT,
  REGION,
  hostFor,
  localFunction,
  provision,
  readJsonLines,
  scratchDir,
  sleep,
  unique,
  waitFor,
} from './fixtures';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';

const motoUrl = inject('motoUrl');
const clients = clientsFor(motoUrl);

const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event) => { fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n'); return {}; };`;

const resource = (type: string, properties: Record<string, unknown>): LocalResource => ({
  stack: '.',
  service: 'op-fidelity',
  logicalId: unique(type.split('::').pop()!).replace(/-/g, ''),
  type,
  properties,
  physicalId: unique('p'),
  attributes: {},
});

describe('a function invoked by SNS needs an AWS::Lambda::Permission admitting the topic', () => {
  const scratch = scratchDir();
  const { host, ctx, log } = hostFor(scratch.dir, clients, motoUrl);
  afterAll(async () => {
    await host.close();
    scratch.remove();
  });

  it('without it the notification is not delivered (one DENIED line); with it, the same publish is', async () => {
    // Arrange: a topic, a function subscribed to it (through the runner's shadow queue),
    // and the permission osls writes for an `sns` event.
    const out = join(scratch.dir, 'sns.jsonl');
    const fn = localFunction(scratch.dir, { source: RECORDER, environment: { OUT: out } });
    host.register(fn);
    const topic = await provision(clients, 'AWS::SNS::Topic', { TopicName: unique('op-rp-topic') });
    const run = emptyRunnables();
    await provision(
      clients,
      'AWS::SNS::Subscription',
      { TopicArn: topic.physicalId, Protocol: 'lambda', Endpoint: fn.arn },
      run,
    );
    const permission = resource('AWS::Lambda::Permission', {
      FunctionName: fn.arn,
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: topic.physicalId,
    });
    const resources: LocalResource[] = [];
    ctx.invokePermission = (f, d) => new ResourcePolicies(resources, ACCOUNT, REGION).canInvoke(f, d);
    const shadow = startShadow(ctx, run.shadows[0]!);
    try {
      // Act: the permission removed.
      await clients.sns.send(new PublishCommand({ TopicArn: topic.physicalId, Message: 'first' }));
      await waitFor('the denial', () => log.lines.find((l) => l.message.startsWith('DENIED SNS')));

      // Assert: SNS could not invoke it; the line says who, what and from where.
      await sleep(300);
      expect(readJsonLines(out)).toEqual([]);
      expect(log.lines.filter((l) => l.source === 'iam').map((l) => l.message)).toEqual([
        `DENIED SNS -> ${fn.name}: lambda:InvokeFunction from ${topic.physicalId}: it has no resource policy (no AWS::Lambda::Permission admits it)`,
      ]);

      // Act: the permission restored, the same publish.
      resources.push(permission);
      await clients.sns.send(new PublishCommand({ TopicArn: topic.physicalId, Message: 'second' }));
      const delivered = await waitFor(
        'the delivery',
        () => readJsonLines<{ Records: [{ Sns: { Message: string } }] }>(out)[0],
      );

      // Assert
      expect(delivered.Records[0].Sns.Message).toBe('second');
    } finally {
      await shadow.stop();
    }
  });
});

describe('a rule target needs a permission for events.amazonaws.com from the rule', () => {
  const scratch = scratchDir();
  const { host, ctx, log } = hostFor(scratch.dir, clients, motoUrl);
  afterAll(async () => {
    await host.close();
    scratch.remove();
  });

  it("without it the event is a failed invocation sent to the target's DLQ (NO_PERMISSIONS); with it, invoked", async () => {
    // Arrange: a bus, a rule whose target is a function with a DeadLetterConfig queue.
    const out = join(scratch.dir, 'events.jsonl');
    const fn = localFunction(scratch.dir, { source: RECORDER, environment: { OUT: out } });
    host.register(fn);
    const bus = await provision(clients, 'AWS::Events::EventBus', { Name: unique('op-rp-bus') });
    const dlq = await provision(clients, 'AWS::SQS::Queue', { QueueName: unique('op-rp-dlq') });
    const run = emptyRunnables();
    await provision(
      clients,
      'AWS::Events::Rule',
      {
        EventBusName: bus.attributes.Arn,
        EventPattern: { source: ['op.orders'] },
        State: 'ENABLED',
        Targets: [{ Arn: fn.arn, Id: 'Handler', DeadLetterConfig: { Arn: dlq.attributes.Arn } }],
      },
      run,
    );
    const shadow = run.shadows[0]!;
    const resources: LocalResource[] = [];
    ctx.invokePermission = (f, d) => new ResourcePolicies(resources, ACCOUNT, REGION).canInvoke(f, d);
    const running = startShadow(ctx, shadow);
    const put = (id: string) =>
      clients.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: bus.physicalId,
              Source: 'op.orders',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify({ id }),
            },
          ],
        }),
      );
    try {
      // Act: no permission.
      await put('first');
      const dead = await waitFor(
        'the dead letter',
        async () =>
          (
            await clients.sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: dlq.physicalId,
                MessageAttributeNames: ['All'],
                WaitTimeSeconds: 1,
              }),
            )
          ).Messages?.[0],
      );

      // Assert: not invoked; the DLQ got the event with EventBridge's error attributes.
      expect(readJsonLines(out)).toEqual([]);
      expect(JSON.parse(dead.Body!)).toMatchObject({ source: 'op.orders', detail: { id: 'first' } });
      expect(dead.MessageAttributes?.ERROR_CODE?.StringValue).toBe('NO_PERMISSIONS');
      expect(dead.MessageAttributes?.RULE_ARN?.StringValue).toBe(shadow.sourceArn);
      expect(log.lines.some((l) => l.message.startsWith(`DENIED EventBridge -> ${fn.name}`))).toBe(true);

      // Act: the permission osls writes for an eventBridge event, restored.
      resources.push(
        resource('AWS::Lambda::Permission', {
          FunctionName: fn.arn,
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: shadow.sourceArn,
        }),
      );
      await put('second');

      // Assert
      const got = await waitFor('the invocation', () => readJsonLines<{ detail: { id: string } }>(out)[0]);
      expect(got.detail.id).toBe('second');
    } finally {
      await running.stop();
    }
  });
});

describe('SNS delivers to a queue only when the queue policy admits the topic', () => {
  it('without the policy the subscription is held and nothing arrives; with it the message does', async () => {
    // Arrange: a topic, a queue subscribed to it, and the queue policy the stacks write.
    const log = memorySink();
    const topic = await provision(clients, 'AWS::SNS::Topic', { TopicName: unique('op-rp-topic') });
    const queue = await provision(clients, 'AWS::SQS::Queue', { QueueName: unique('op-rp-queue') });
    const queueArn = queue.attributes.Arn!;
    const policy = resource('AWS::SQS::QueuePolicy', {
      Queues: [queue.physicalId],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnEquals: { 'aws:SourceArn': topic.physicalId } },
          },
        ],
      },
    });
    const subscribe = async (resources: LocalResource[]) => {
      const run = emptyRunnables();
      await provision(
        clients,
        'AWS::SNS::Subscription',
        { TopicArn: topic.physicalId, Protocol: 'sqs', Endpoint: queueArn, RawMessageDelivery: true },
        run,
      );
      const policies = new ResourcePolicies([queue, ...resources], ACCOUNT, REGION);
      return holdRefusedQueueDeliveries(clients, run.queueDeliveries, (q, d) => policies.canSend(q, d), log);
    };
    const receive = async () =>
      (
        await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.physicalId,
            WaitTimeSeconds: 1,
            MaxNumberOfMessages: 10,
          }),
        )
      ).Messages ?? [];

    // Act: the queue policy removed.
    const held = await subscribe([]);
    await clients.sns.send(new PublishCommand({ TopicArn: topic.physicalId, Message: 'lost' }));

    // Assert: held, one loud line, nothing in the queue.
    expect(held.map((h) => h.reason)).toEqual(['it has no resource policy']);
    expect(log.lines.map((l) => l.message)).toEqual([
      expect.stringMatching(
        new RegExp(`^DENIED SNS -> ${queueArn.split(':').pop()}: sqs:SendMessage from ${topic.physicalId}: `),
      ),
    ]);
    expect(await receive()).toEqual([]);

    // Act: the policy restored (the stack deployed again), the same publish.
    expect(await subscribe([policy])).toEqual([]);
    await clients.sns.send(new PublishCommand({ TopicArn: topic.physicalId, Message: 'arrives' }));

    // Assert
    const got = await waitFor('the message', async () => (await receive())[0]);
    expect(got.Body).toBe('arrives');
  });
});

describe("a state machine's tasks are checked against its own role", () => {
  it('a Lambda task its role may not invoke fails with Lambda.AWSLambdaException, which Catch sees', async () => {
    // Arrange: a machine whose role grants lambda:InvokeFunction on its one function.
    const log = memorySink();
    const name = unique('op-rp-machine');
    const machine = stateMachineResource(name, {
      StartAt: 'Charge',
      States: {
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'charge', 'Payload.$': '$' },
          Catch: [{ ErrorEquals: ['Lambda.AWSLambdaException'], ResultPath: '$.error', Next: 'Denied' }],
          End: true,
        },
        Denied: { Type: 'Pass', End: true },
      },
    });
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:charge`;
    const invokeStatement = { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [functionArn] };
    const statements: unknown[] = [];
    const role: LocalResource = {
      ...resource('AWS::IAM::Role', {
        Policies: [
          { PolicyName: 'machine', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
        ],
      }),
      physicalId: `${name}-role`,
      attributes: { Arn: String(machine.properties.RoleArn) },
    };
    const functions = fakeFunctions({ charge: () => ({ charged: true }) });
    const identities = () =>
      identitiesOf([{ name, role: role.attributes.Arn!, accessKey: stateMachineKeyOf(name) }], [role])
        .identities;
    const gateway = await startIamGateway({
      upstreams: { default: motoUrl },
      identities: identities(),
      context: { account: ACCOUNT, region: REGION },
      log,
    });
    const denials = gateway.denials;
    const sfn = await startStepFunctions({
      stateMachines: [machine],
      functions,
      awsEndpoint: motoUrl,
      region: REGION,
      accountId: ACCOUNT,
      log,
      iam: {
        ...stateMachineIam({
          endpoint: gateway.url,
          account: ACCOUNT,
          region: REGION,
          identities: identities(),
          denials,
          log,
        }),
        // Read the role as it is now (the statement is taken away, then put back).
        denied: (m, check) =>
          stateMachineIam({
            endpoint: gateway.url,
            account: ACCOUNT,
            region: REGION,
            identities: identities(),
            denials,
            log,
          }).denied(m, check),
      },
    });
    const client = sfnClient(sfn.url);
    const run = async () => {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: machine.physicalId, input: '{"orderId":"o-1"}' }),
      );
      await sfn.waitFor(executionArn!);
      return client.send(new DescribeExecutionCommand({ executionArn }));
    };
    try {
      // Act: the statement removed.
      const denied = await run();

      // Assert: the function was not called; the Catch got AWS's error name and message.
      expect(functions.calls).toEqual([]);
      const output = JSON.parse(denied.output!) as { error: { Error: string; Cause: string } };
      expect(output.error.Error).toBe('Lambda.AWSLambdaException');
      expect(output.error.Cause).toContain(
        `is not authorized to perform: lambda:InvokeFunction on resource: ${functionArn} because no identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException;`,
      );
      expect(log.lines.filter((l) => l.message.startsWith('DENIED state machine'))).toHaveLength(1);

      // Act: the statement restored, the same execution.
      statements.push(invokeStatement);
      const allowed = await run();

      // Assert
      expect(allowed.status).toBe('SUCCEEDED');
      expect(functions.calls).toHaveLength(1);
      expect(JSON.parse(allowed.output!)).toMatchObject({ Payload: { charged: true } });
    } finally {
      await sfn.close();
      await gateway.stop();
    }
  });
});

describe('API Gateway: the Lambda permission and the SQS integration role', () => {
  const queueName = unique('op-webhook-local-carrier');
  const credentials = `arn:aws:iam::${APIGW_ACCOUNT}:role/op-webhook-local-carrier-proxy`;
  const queueArn = `arn:aws:sqs:${APIGW_REGION}:${APIGW_ACCOUNT}:${queueName}`;
  const log = memorySink();
  const resources: LocalResource[] = [];
  const statements: unknown[] = [];
  const role: LocalResource = {
    ...resource('AWS::IAM::Role', {
      Policies: [
        {
          PolicyName: 'send-carrier-updates',
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    }),
    physicalId: 'op-webhook-local-carrier-proxy',
    attributes: { Arn: credentials },
  };
  const identities = new Map<string, RoleIdentity>();
  const refreshRole = () => {
    identities.clear();
    const ids = identitiesOf(
      [{ name: 'ApiGateway', role: credentials, accessKey: integrationRoleKeyOf(credentials) }],
      [role],
    ).identities;
    for (const [k, v] of ids) identities.set(k, v);
  };
  const functions = new FakeFunctions({
    'op-webhook-local-receivePaymentWebhook': () => ({ statusCode: 202, body: '{"accepted":true}' }),
  });
  let gateway: IamGateway;
  let api: LocalApiGateway;
  let queueUrl: string;

  beforeAll(async () => {
    queueUrl = (await provision(clients, 'AWS::SQS::Queue', { QueueName: queueName })).physicalId;
    refreshRole();
    gateway = await startIamGateway({
      upstreams: { default: motoUrl },
      identities,
      context: { account: APIGW_ACCOUNT, region: APIGW_REGION },
      log,
    });
    api = await startApiGateway({
      resources: webhookResources(queueName),
      stage: 'local',
      functions,
      awsEndpoint: motoUrl,
      region: APIGW_REGION,
      accountId: APIGW_ACCOUNT,
      log,
      iam: {
        endpoint: gateway.url,
        accessKeyOf: integrationRoleKeyOf,
        canInvoke: (fn, d) => new ResourcePolicies(resources, APIGW_ACCOUNT, APIGW_REGION).canInvoke(fn, d),
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await gateway?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.baseUrlOf(WEBHOOK_API)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('a proxy function without its permission: 500 Internal server error, not invoked; with it, invoked', async () => {
    // Act: no AWS::Lambda::Permission for the webhook function.
    const refused = await post('/webhooks/payments', { id: 'evt-1' });

    // Assert
    expect(refused.status).toBe(500);
    expect(await refused.json()).toEqual({ message: 'Internal server error' });
    expect(functions.callsTo('op-webhook-local-receivePaymentWebhook')).toEqual([]);

    // Act: the permission osls writes for the API (`<api>/*/*`) restored.
    resources.push(
      resource('AWS::Lambda::Permission', {
        FunctionName: `arn:aws:lambda:${APIGW_REGION}:${APIGW_ACCOUNT}:function:op-webhook-local-receivePaymentWebhook`,
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: `arn:aws:execute-api:${APIGW_REGION}:${APIGW_ACCOUNT}:${WEBHOOK_API}/*/*`,
      }),
    );
    const admitted = await post('/webhooks/payments', { id: 'evt-1' });

    // Assert
    expect(admitted.status).toBe(202);
    expect(functions.callsTo('op-webhook-local-receivePaymentWebhook')).toHaveLength(1);
  });

  it('the carrier SQS integration whose role lacks sqs:SendMessage: SQS refuses, the route answers its 502', async () => {
    const key = { 'x-api-key': api.apiKeys['op-webhook-carrier-local']! };
    const receive = async () =>
      (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 })))
        .Messages ?? [];

    // Act: the role without its statement.
    const refused = await post('/webhooks/carrier', CARRIER_UPDATE, key);

    // Assert: the integration response for SQS's 403, nothing queued, the denial recorded.
    expect(refused.status).toBe(502);
    expect(await refused.json()).toEqual({
      error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The update could not be queued; retry' },
    });
    expect(await receive()).toEqual([]);
    expect(gateway.denials.map((d) => [d.roleName, d.check])).toEqual([
      ['op-webhook-local-carrier-proxy', { action: 'sqs:SendMessage', resource: queueArn }],
    ]);

    // Act: the statement restored.
    statements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: queueArn });
    refreshRole();
    const accepted = await post('/webhooks/carrier', CARRIER_UPDATE, key);

    // Assert
    expect(accepted.status).toBe(202);
    const got = await waitFor('the carrier update', async () => (await receive())[0]);
    expect(JSON.parse(got.Body!)).toEqual(CARRIER_UPDATE);
  });
});
