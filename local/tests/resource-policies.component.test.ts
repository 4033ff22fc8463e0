/**
 * Resource policies and the non-function roles, enforced on real engines (moto_server,
 * functions in worker threads, the local Step Functions engine and IAM gateway). Each
 * test takes one grant away from resources shaped as the packaged templates declare them
 * (an AWS::Lambda::Permission, an AWS::SQS::QueuePolicy, a statement of a state machine's
 * role), shows the failure surfacing as it does in AWS, then puts it back: the same
 * delivery / execution succeeds.
 */
import { join } from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  ResourcePolicies,
  identitiesOf,
  stateMachineIam,
  stateMachineKeyOf,
  startIamGateway,
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
