import { describe, expect, it } from 'vitest';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import {
  GetRecordsCommand,
  GetShardIteratorCommand as KinesisGetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  checksFor,
  functionArnOf,
  protocolOf,
  queueArnOf,
  s3Location,
  sesIdentityArnOf,
  signatureOf,
  type Check,
  type RawRequest,
  type RequestContext,
} from './actions';

const A = '123456789012';
const R = 'us-east-1';
const KEY = 'ASIA0123456789ABCDEF';
const ctx: RequestContext = {
  account: A,
  region: R,
  secretArn: (id) =>
    id === 'op-payments/local/provider-api-key'
      ? `arn:aws:secretsmanager:${R}:${A}:secret:op-payments/local/provider-api-key-AbCdEf`
      : undefined,
  stateMachineOfTaskToken: (t) =>
    t === 'AQtoken' ? `arn:aws:states:${R}:${A}:stateMachine:op-orders-local-order-saga` : undefined,
  sesIdentities: new Set(['orders.example.com', 'billing@example.com']),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = { send(command: any): Promise<unknown> };
interface Captured {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  hostname: string;
  port?: number;
  body?: unknown;
}

/** The request the real SDK client signs and sends for `command` (captured, never sent). */
async function requestOf(
  make: (config: Record<string, unknown>) => AnyClient,
  command: unknown,
  endpoint = 'http://127.0.0.1:4566',
): Promise<RawRequest> {
  let captured: Captured | undefined;
  const client = make({
    region: R,
    endpoint,
    credentials: { accessKeyId: KEY, secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (req: Captured) => {
        captured = req;
        throw new Error('captured');
      },
    },
  });
  await client.send(command).catch((e: Error) => {
    if (e.message !== 'captured') throw e;
  });
  const c = captured!;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(c.query ?? {}))
    for (const one of [v].flat()) qs.append(k, one === null ? '' : String(one));
  const query = qs.toString().replace(/=(&|$)/g, '$1');
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
  headers.host ??= `${c.hostname}${c.port ? `:${c.port}` : ''}`;
  const body =
    typeof c.body === 'string'
      ? Buffer.from(c.body)
      : c.body instanceof Uint8Array
        ? Buffer.from(c.body)
        : Buffer.alloc(0);
  return { method: c.method, url: `${c.path}${query ? `?${query}` : ''}`, headers, body };
}

const checks = (service: string, r: RawRequest) => checksFor(service, r, ctx);
const table = (t: string) => `arn:aws:dynamodb:${R}:${A}:table/${t}`;

describe('IAM actions of the requests the functions send (real SDK clients, captured)', () => {
  const ddb = (c: Record<string, unknown>) => new DynamoDBClient(c);
  const k = { pk: { S: '1' } };

  it.each<[string, unknown, Check[]]>([
    [
      'GetItem',
      new GetItemCommand({ TableName: 'orders', Key: k }),
      [{ action: 'dynamodb:GetItem', resource: table('orders') }],
    ],
    [
      'PutItem',
      new PutItemCommand({ TableName: 'orders', Item: k }),
      [{ action: 'dynamodb:PutItem', resource: table('orders') }],
    ],
    [
      'UpdateItem',
      new UpdateItemCommand({ TableName: 'orders', Key: k }),
      [{ action: 'dynamodb:UpdateItem', resource: table('orders') }],
    ],
    [
      'DeleteItem',
      new DeleteItemCommand({ TableName: 'orders', Key: k }),
      [{ action: 'dynamodb:DeleteItem', resource: table('orders') }],
    ],
    [
      'Query on the table',
      new QueryCommand({ TableName: 'orders' }),
      [{ action: 'dynamodb:Query', resource: table('orders') }],
    ],
    [
      'Query on an index (the index ARN)',
      new QueryCommand({ TableName: 'orders', IndexName: 'byCustomer' }),
      [{ action: 'dynamodb:Query', resource: `${table('orders')}/index/byCustomer` }],
    ],
    [
      'Scan',
      new ScanCommand({ TableName: 'orders' }),
      [{ action: 'dynamodb:Scan', resource: table('orders') }],
    ],
    [
      'BatchGetItem: each table',
      new BatchGetItemCommand({ RequestItems: { orders: { Keys: [k] }, products: { Keys: [k] } } }),
      [
        { action: 'dynamodb:BatchGetItem', resource: table('orders') },
        { action: 'dynamodb:BatchGetItem', resource: table('products') },
      ],
    ],
    [
      'BatchWriteItem: each table',
      new BatchWriteItemCommand({
        RequestItems: { stock: [{ PutRequest: { Item: k } }], movements: [{ DeleteRequest: { Key: k } }] },
      }),
      [
        { action: 'dynamodb:BatchWriteItem', resource: table('stock') },
        { action: 'dynamodb:BatchWriteItem', resource: table('movements') },
      ],
    ],
    [
      'TransactWriteItems: the item action on each table (IAM has no TransactWriteItems)',
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'orders', Item: k } },
          { Update: { TableName: 'stock', Key: k, UpdateExpression: 'SET a = :a' } },
          { Delete: { TableName: 'holds', Key: k } },
          { ConditionCheck: { TableName: 'limits', Key: k, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
      [
        { action: 'dynamodb:PutItem', resource: table('orders') },
        { action: 'dynamodb:UpdateItem', resource: table('stock') },
        { action: 'dynamodb:DeleteItem', resource: table('holds') },
        { action: 'dynamodb:ConditionCheckItem', resource: table('limits') },
      ],
    ],
    [
      'TransactGetItems: GetItem on each table',
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: 'a', Key: k } }, { Get: { TableName: 'b', Key: k } }],
      }),
      [
        { action: 'dynamodb:GetItem', resource: table('a') },
        { action: 'dynamodb:GetItem', resource: table('b') },
      ],
    ],
  ])('DynamoDB %s', async (_name, command, expected) => {
    const r = await requestOf(ddb, command);
    expect(signatureOf(r)).toEqual({ accessKeyId: KEY, service: 'dynamodb', region: R });
    expect(checks('dynamodb', r)).toEqual(expected);
    expect(protocolOf('dynamodb', r)).toBe('json');
  });

  it('DynamoDB through the document client (lib-dynamodb) maps the same', async () => {
    const r = await requestOf(
      (c) => DynamoDBDocumentClient.from(new DynamoDBClient(c)),
      new UpdateCommand({
        TableName: 'orders',
        Key: { pk: '1' },
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': 1 },
      }),
    );
    expect(checks('dynamodb', r)).toEqual([{ action: 'dynamodb:UpdateItem', resource: table('orders') }]);
  });

  it('DynamoDB Streams: the stream ARN', async () => {
    const stream = `${table('orders')}/stream/2024-01-01T00:00:00.000`;
    const r = await requestOf(
      (c) => new DynamoDBStreamsClient(c),
      new GetShardIteratorCommand({ StreamArn: stream, ShardId: 's', ShardIteratorType: 'LATEST' }),
    );
    expect(checks('dynamodb', r)).toEqual([{ action: 'dynamodb:GetShardIterator', resource: stream }]);
  });

  const queueUrl = `http://127.0.0.1:4566/${A}/op-inventory-local-adjustments.fifo`;
  const queueArn = `arn:aws:sqs:${R}:${A}:op-inventory-local-adjustments.fifo`;
  it.each<[string, unknown, string]>([
    ['SendMessage', new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }), 'sqs:SendMessage'],
    [
      'SendMessageBatch (IAM: sqs:SendMessage)',
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: 'x' }] }),
      'sqs:SendMessage',
    ],
    ['ReceiveMessage', new ReceiveMessageCommand({ QueueUrl: queueUrl }), 'sqs:ReceiveMessage'],
    [
      'DeleteMessage',
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'h' }),
      'sqs:DeleteMessage',
    ],
    [
      'ChangeMessageVisibilityBatch (IAM: sqs:ChangeMessageVisibility)',
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: '1', ReceiptHandle: 'h' }],
      }),
      'sqs:ChangeMessageVisibility',
    ],
    ['GetQueueAttributes', new GetQueueAttributesCommand({ QueueUrl: queueUrl }), 'sqs:GetQueueAttributes'],
  ])('SQS %s: the queue ARN from its URL', async (_name, command, action) => {
    const r = await requestOf((c) => new SQSClient(c), command);
    expect(checks('sqs', r)).toEqual([{ action, resource: queueArn }]);
  });

  it('SQS query protocol (Action=…) maps like the JSON protocol', () => {
    const r: RawRequest = {
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(`Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x`),
    };
    expect(checks('sqs', r)).toEqual([{ action: 'sqs:SendMessage', resource: queueArn }]);
    expect(protocolOf('sqs', r)).toBe('query');
    expect(queueArnOf(`https://sqs.us-east-1.amazonaws.com/210987654321/q`, ctx)).toBe(
      `arn:aws:sqs:${R}:210987654321:q`,
    );
  });

  it('SQS query protocol with the queue in the path (an API Gateway sqs:path/{account}/{queue} integration)', () => {
    const r: RawRequest = {
      method: 'POST',
      url: `/${A}/op-webhook-local-carrier`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('Action=SendMessage&MessageBody=x'),
    };
    expect(checks('sqs', r)).toEqual([
      { action: 'sqs:SendMessage', resource: `arn:aws:sqs:${R}:${A}:op-webhook-local-carrier` },
    ]);
  });

  it('SNS Publish / PublishBatch: the topic ARN (query protocol)', async () => {
    const topic = `arn:aws:sns:${R}:${A}:op-billing-local-invoices`;
    for (const command of [
      new PublishCommand({ TopicArn: topic, Message: 'x' }),
      new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: [{ Id: '1', Message: 'x' }] }),
    ]) {
      const r = await requestOf((c) => new SNSClient(c), command);
      expect(checks('sns', r)).toEqual([{ action: 'sns:Publish', resource: topic }]);
      expect(protocolOf('sns', r)).toBe('query');
    }
  });

  it('EventBridge PutEvents: the bus of each entry (name or ARN, default bus when absent)', async () => {
    const r = await requestOf(
      (c) => new EventBridgeClient(c),
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'op-local', Source: 's', DetailType: 'd', Detail: '{}' },
          {
            EventBusName: `arn:aws:events:${R}:${A}:event-bus/other`,
            Source: 's',
            DetailType: 'd',
            Detail: '{}',
          },
          { EventBusName: 'op-local', Source: 's', DetailType: 'd', Detail: '{}' },
          { Source: 's', DetailType: 'd', Detail: '{}' },
        ],
      }),
    );
    expect(checks('events', r)).toEqual([
      { action: 'events:PutEvents', resource: `arn:aws:events:${R}:${A}:event-bus/op-local` },
      { action: 'events:PutEvents', resource: `arn:aws:events:${R}:${A}:event-bus/other` },
      { action: 'events:PutEvents', resource: `arn:aws:events:${R}:${A}:event-bus/default` },
    ]);
    expect(protocolOf('events', r)).toBe('json');
  });

  const machine = `arn:aws:states:${R}:${A}:stateMachine:op-orders-local-order-saga`;
  it.each<[string, unknown, Check[]]>([
    [
      'StartExecution',
      new StartExecutionCommand({ stateMachineArn: machine, input: '{}' }),
      [{ action: 'states:StartExecution', resource: machine }],
    ],
    [
      'SendTaskSuccess: the state machine that issued the token',
      new SendTaskSuccessCommand({ taskToken: 'AQtoken', output: '{}' }),
      [{ action: 'states:SendTaskSuccess', resource: machine }],
    ],
    [
      'SendTaskFailure',
      new SendTaskFailureCommand({ taskToken: 'AQtoken' }),
      [{ action: 'states:SendTaskFailure', resource: machine }],
    ],
    [
      'SendTaskHeartbeat',
      new SendTaskHeartbeatCommand({ taskToken: 'AQtoken' }),
      [{ action: 'states:SendTaskHeartbeat', resource: machine }],
    ],
    [
      'SendTaskSuccess with a token nobody issued: `*`',
      new SendTaskSuccessCommand({ taskToken: 'AQunknown', output: '{}' }),
      [{ action: 'states:SendTaskSuccess', resource: '*' }],
    ],
  ])('Step Functions %s', async (_name, command, expected) => {
    const r = await requestOf((c) => new SFNClient(c), command);
    expect(signatureOf(r)?.service).toBe('states');
    expect(checks('states', r)).toEqual(expected);
  });

  it.each<[string, string, string | undefined, string]>([
    [
      'a name',
      'op-catalog-local-priceLines',
      undefined,
      `arn:aws:lambda:${R}:${A}:function:op-catalog-local-priceLines`,
    ],
    [
      'a name with a qualifier',
      'op-catalog-local-priceLines',
      'live',
      `arn:aws:lambda:${R}:${A}:function:op-catalog-local-priceLines:live`,
    ],
    [
      'an ARN',
      `arn:aws:lambda:${R}:${A}:function:op-receipts-local-send`,
      undefined,
      `arn:aws:lambda:${R}:${A}:function:op-receipts-local-send`,
    ],
  ])('Lambda Invoke with %s: lambda:InvokeFunction on the function ARN', async (_n, name, qualifier, arn) => {
    const r = await requestOf(
      (c) => new LambdaClient(c),
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from('{}'),
        ...(qualifier ? { Qualifier: qualifier } : {}),
      }),
    );
    expect(checks('lambda', r)).toEqual([{ action: 'lambda:InvokeFunction', resource: arn }]);
    expect(protocolOf('lambda', r)).toBe('rest-json');
    expect(functionArnOf(`${A}:function:f`, ctx)).toBe(`arn:aws:lambda:${R}:${A}:function:f`);
  });

  const s3 = (c: Record<string, unknown>) => new S3Client({ ...c, forcePathStyle: true });
  it.each<[string, unknown, Check[]]>([
    [
      'GetObject',
      new GetObjectCommand({ Bucket: 'b', Key: 'imports/a b.csv' }),
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/imports/a b.csv' }],
    ],
    [
      'HeadObject (s3:GetObject)',
      new HeadObjectCommand({ Bucket: 'b', Key: 'k' }),
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }],
    ],
    [
      'PutObject',
      new PutObjectCommand({ Bucket: 'b', Key: 'reports/r.json', Body: '{}' }),
      [{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/reports/r.json' }],
    ],
    [
      'DeleteObject',
      new DeleteObjectCommand({ Bucket: 'b', Key: 'k' }),
      [{ action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' }],
    ],
    [
      'ListObjectsV2 (s3:ListBucket on the bucket)',
      new ListObjectsV2Command({ Bucket: 'b', Prefix: 'x/' }),
      [{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }],
    ],
    [
      'DeleteObjects: each key',
      new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'c/d' }] } }),
      [
        { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/a' },
        { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/c/d' },
      ],
    ],
    [
      'CopyObject: PutObject on the target, GetObject on the source',
      new CopyObjectCommand({ Bucket: 'b', Key: 'to', CopySource: 'src/from' }),
      [
        { action: 's3:PutObject', resource: 'arn:aws:s3:::b/to' },
        { action: 's3:GetObject', resource: 'arn:aws:s3:::src/from' },
      ],
    ],
  ])('S3 %s (path-style)', async (_name, command, expected) => {
    const r = await requestOf(s3, command);
    expect(checks('s3', r)).toEqual(expected);
    expect(protocolOf('s3', r)).toBe('rest-xml');
  });

  it('S3 virtual-host requests name the bucket in the host', async () => {
    const r = await requestOf(
      (c) => new S3Client(c),
      new GetObjectCommand({ Bucket: 'catalog-imports', Key: 'imports/full/x.csv' }),
      'http://s3.localhost.test:4566',
    );
    expect(r.headers.host).toMatch(/^catalog-imports\.s3\./);
    expect(checks('s3', r)).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::catalog-imports/imports/full/x.csv' },
    ]);
    expect(s3Location('bucket.localhost:4566', '/k')).toEqual({ bucket: 'bucket', key: 'k' });
  });

  it('Secrets Manager GetSecretValue: the secret ARN (with its suffix) from a name or an ARN', async () => {
    const sm = (c: Record<string, unknown>) => new SecretsManagerClient(c);
    const arn = `arn:aws:secretsmanager:${R}:${A}:secret:op-payments/local/provider-api-key-AbCdEf`;
    for (const id of ['op-payments/local/provider-api-key', arn]) {
      const r = await requestOf(sm, new GetSecretValueCommand({ SecretId: id }));
      expect(checks('secretsmanager', r)).toEqual([
        { action: 'secretsmanager:GetSecretValue', resource: arn },
      ]);
    }
  });

  it('SSM GetParameter(s): the parameter/ ARN of each name', async () => {
    const ssm = (c: Record<string, unknown>) => new SSMClient(c);
    const p = (n: string) => `arn:aws:ssm:${R}:${A}:parameter/${n}`;
    expect(
      checks(
        'ssm',
        await requestOf(ssm, new GetParameterCommand({ Name: '/op/local/auth/jwks', WithDecryption: true })),
      ),
    ).toEqual([{ action: 'ssm:GetParameter', resource: p('op/local/auth/jwks') }]);
    expect(checks('ssm', await requestOf(ssm, new GetParametersCommand({ Names: ['/a/b', 'c'] })))).toEqual([
      { action: 'ssm:GetParameters', resource: p('a/b') },
      { action: 'ssm:GetParameters', resource: p('c') },
    ]);
    expect(checks('ssm', await requestOf(ssm, new GetParametersByPathCommand({ Path: '/a/' })))).toEqual([
      { action: 'ssm:GetParametersByPath', resource: p('a/') },
    ]);
  });

  it('SES v2 SendEmail: the sending identity (the address when verified itself, else its domain)', async () => {
    const r = await requestOf(
      (c) => new SESv2Client(c),
      new SendEmailCommand({
        FromEmailAddress: 'Orders <no-reply@orders.example.com>',
        Destination: { ToAddresses: ['c@example.org'] },
        Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
      }),
    );
    expect(signatureOf(r)?.service).toBe('ses');
    expect(checks('ses', r)).toEqual([
      { action: 'ses:SendEmail', resource: `arn:aws:ses:${R}:${A}:identity/orders.example.com` },
    ]);
    expect(protocolOf('ses', r)).toBe('rest-json');
    expect(sesIdentityArnOf('billing@example.com', ctx)).toBe(
      `arn:aws:ses:${R}:${A}:identity/billing@example.com`,
    );
  });

  it('SES v1 (query protocol) SendRawEmail: the identity of Source', () => {
    const r: RawRequest = {
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('Action=SendRawEmail&Source=a%40orders.example.com&RawMessage.Data=eA%3D%3D'),
    };
    expect(checks('ses', r)).toEqual([
      { action: 'ses:SendRawEmail', resource: `arn:aws:ses:${R}:${A}:identity/orders.example.com` },
    ]);
    expect(protocolOf('ses', r)).toBe('query');
  });

  it('KMS: the key ARN; an unsigned request has no caller; an unknown service is not mapped', () => {
    const r: RawRequest = {
      method: 'POST',
      url: '/',
      headers: { 'x-amz-target': 'TrentService.Decrypt' },
      body: Buffer.from(JSON.stringify({ KeyId: 'alias/op' })),
    };
    expect(checks('kms', r)).toEqual([{ action: 'kms:Decrypt', resource: `arn:aws:kms:${R}:${A}:alias/op` }]);
    expect(signatureOf({ method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0) })).toBeUndefined();
    expect(checksFor('cloudwatch', r, ctx)).toBeUndefined();
  });
});

describe('IAM actions of the analytics stack’s callers (Kinesis, Firehose)', () => {
  const streamArn = `arn:aws:kinesis:${R}:${A}:stream/clicks`;

  it('Kinesis PutRecords, GetShardIterator, GetRecords: the stream ARN from its name or ARN', async () => {
    const put = await requestOf(
      (c) => new KinesisClient(c),
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: [{ Data: Buffer.from('x'), PartitionKey: 's' }],
      }),
    );
    const iterator = await requestOf(
      (c) => new KinesisClient(c),
      new KinesisGetShardIteratorCommand({
        StreamARN: streamArn,
        ShardId: 'shardId-0',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await requestOf(
      (c) => new KinesisClient(c),
      new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: 'it' }),
    );
    expect([put, iterator, records].map((r) => checks('kinesis', r))).toEqual([
      [{ action: 'kinesis:PutRecords', resource: streamArn }],
      [{ action: 'kinesis:GetShardIterator', resource: streamArn }],
      [{ action: 'kinesis:GetRecords', resource: streamArn }],
    ]);
    expect(protocolOf('kinesis', put)).toBe('json');
  });

  it('Kinesis through an API Gateway action/PutRecords integration (the operation in the query, no target header)', () => {
    const r: RawRequest = {
      method: 'POST',
      url: '/?Action=PutRecords',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: Buffer.from(JSON.stringify({ StreamName: 'clicks', Records: [] })),
    };
    expect(checks('kinesis', r)).toEqual([{ action: 'kinesis:PutRecords', resource: streamArn }]);
  });

  it('Firehose PutRecord / PutRecordBatch: the delivery stream ARN', async () => {
    const r = await requestOf(
      (c) => new FirehoseClient(c),
      new PutRecordBatchCommand({ DeliveryStreamName: 'lake-events', Records: [{ Data: Buffer.from('x') }] }),
    );
    expect(checks('firehose', r)).toEqual([
      {
        action: 'firehose:PutRecordBatch',
        resource: `arn:aws:firehose:${R}:${A}:deliverystream/lake-events`,
      },
    ]);
  });
});
