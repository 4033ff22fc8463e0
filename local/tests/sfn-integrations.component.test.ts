/**
 * The local Step Functions service's SDK integrations against moto_server: DynamoDB
 * (optimized and aws-sdk forms, a conditional-write error caught by its AWS name), an
 * SQS `.waitForTaskToken` callback answered through the Step Functions API, and
 * EventBridge PutEvents.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStepFunctions, type LocalStepFunctions } from '../src/sfn/index';
import {
  ACCOUNT,
  fakeFunctions,
  machineArn,
  memoryLog,
  REGION,
  sfnClient,
  stateMachineResource,
} from '../src/sfn/test-helpers';

const table = `sfn-orders-${randomUUID().slice(0, 8)}`;
let queueUrl: string;
let sfn: LocalStepFunctions;
const sqs = new SQSClient({});

beforeAll(async () => {
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  queueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: `sfn-callbacks-${randomUUID().slice(0, 8)}` }))
  ).QueueUrl!;
  sfn = await startStepFunctions({
    stateMachines: [
      stateMachineResource('Integrations', {
        StartAt: 'Put',
        States: {
          Put: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: {
              TableName: table,
              Item: { pk: { 'S.$': '$.orderId' }, status: { S: 'NEW' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
            ResultPath: null,
            Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'Duplicate' }],
            Next: 'Get',
          },
          Duplicate: { Type: 'Pass', Result: 'duplicate', End: true },
          Get: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
            Parameters: { TableName: table, Key: { pk: { 'S.$': '$.orderId' } } },
            ResultSelector: { 'status.$': '$.Item.status.S' },
            ResultPath: '$.stored',
            Next: 'Ask',
          },
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: {
              QueueUrl: queueUrl,
              MessageBody: { 'orderId.$': '$.orderId', 'token.$': '$$.Task.Token' },
            },
            ResultPath: '$.reply',
            TimeoutSeconds: 30,
            Next: 'Publish',
          },
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents',
            Parameters: {
              Entries: [{ Source: 'op.test', DetailType: 'Done', Detail: { 'orderId.$': '$.orderId' } }],
            },
            ResultSelector: { 'failed.$': '$.FailedEntryCount' },
            ResultPath: '$.published',
            End: true,
          },
        },
      }),
    ],
    functions: fakeFunctions({}),
    awsEndpoint: inject('motoUrl'),
    region: REGION,
    accountId: ACCOUNT,
    log: memoryLog(),
  });
});

afterAll(async () => {
  await sfn?.close();
});

describe('SDK integrations (moto_server)', () => {
  it('writes, reads, waits for a callback sent over SQS, publishes; a repeated write is caught', async () => {
    const { executionArn } = await sfn.startExecution(machineArn('Integrations'), '{"orderId":"o-1"}');
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }),
    );
    const body = JSON.parse(received.Messages![0]!.Body!) as { orderId: string; token: string };
    expect(body.orderId).toBe('o-1');
    await sfnClient(sfn.url).send(
      new SendTaskSuccessCommand({ taskToken: body.token, output: JSON.stringify({ approved: true }) }),
    );
    const done = await sfn.waitFor(executionArn, 20_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      orderId: 'o-1',
      stored: { status: 'NEW' },
      reply: { approved: true },
      published: { failed: 0 },
    });

    const again = await sfn.startExecution(machineArn('Integrations'), '{"orderId":"o-1"}');
    const second = await sfn.waitFor(again.executionArn, 20_000);
    expect(second.output).toBe('"duplicate"');
  });
});
