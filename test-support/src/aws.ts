/**
 * Small helpers for component tests against moto_server. Resources are created from the
 * packaged CloudFormation where one exists, so a test never re-describes a table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { loadTemplate, resource } from './template';

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A fresh order id in the orders service's format (ord_ + 26 Crockford base32 characters). */
export const newOrderId = () => `ord_${[...randomBytes(26)].map((b) => CROCKFORD[b % 32]).join('')}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TableProperties = Record<string, any>;

/**
 * CreateTable input from an AWS::DynamoDB::Table's properties, with CloudFormation's
 * defaults (PROVISIONED, 5/5 when no throughput is given): key schema, indexes, stream.
 * TimeToLiveSpecification is a separate call (UpdateTimeToLive).
 */
export function tableInputFromProperties(props: TableProperties, tableName: string): CreateTableCommandInput {
  const billing = props.BillingMode ?? 'PROVISIONED';
  return {
    TableName: tableName,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    BillingMode: billing,
    ...(billing === 'PAY_PER_REQUEST'
      ? {}
      : {
          ProvisionedThroughput: props.ProvisionedThroughput ?? {
            ReadCapacityUnits: 5,
            WriteCapacityUnits: 5,
          },
        }),
    ...(props.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes } : {}),
    ...(props.LocalSecondaryIndexes ? { LocalSecondaryIndexes: props.LocalSecondaryIndexes } : {}),
    ...(props.StreamSpecification
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: props.StreamSpecification.StreamViewType,
          },
        }
      : {}),
  };
}

/** Creates a table in moto with the key schema, indexes and stream settings of a template resource. */
export async function createTableFromTemplate(
  stack: string,
  logicalId: string,
  tableName = uniqueName(logicalId),
): Promise<string> {
  const props = resource(loadTemplate(stack), logicalId).Properties ?? {};
  // On demand unless the template says otherwise: tests never size throughput.
  const input = tableInputFromProperties({ BillingMode: 'PAY_PER_REQUEST', ...props }, tableName);
  await new DynamoDBClient({}).send(new CreateTableCommand(input));
  return tableName;
}

/** A bus with one rule delivering matching events to a fresh SQS queue: how tests observe a bus. */
export async function busWithQueueTarget(pattern: Record<string, unknown>, busName = uniqueName('bus')) {
  const eb = new EventBridgeClient({});
  const sqs = new SQSClient({});
  await eb.send(new CreateEventBusCommand({ Name: busName }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('bus-target') }));
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const ruleName = uniqueName('rule');
  await eb.send(
    new PutRuleCommand({ Name: ruleName, EventBusName: busName, EventPattern: JSON.stringify(pattern) }),
  );
  await eb.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: 'queue', Arn: attrs.Attributes!.QueueArn }],
    }),
  );
  return { busName, queueUrl: queue.QueueUrl! };
}

/** Receives until the queue has been empty for `quietMs`, deleting what it read. */
export async function drainQueue(queueUrl: string, quietMs = 500): Promise<Message[]> {
  const sqs = new SQSClient({});
  const out: Message[] = [];
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    quietSince = Date.now();
    out.push(...msgs);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return out;
}

/** A Lambda context good enough for handlers run in tests (remaining time is real). */
export function lambdaContext(timeoutMs = 30_000, functionName = 'test-function') {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
