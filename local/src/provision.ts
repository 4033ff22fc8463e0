/**
 * Creates a packaged stack's resources locally, resource type by resource type. What a
 * real engine can hold is created there, through its AWS API (moto_server: DynamoDB
 * tables and streams, SQS queues with their redrive policies, SNS topics and
 * subscriptions with their filter policies, EventBridge buses, rules and targets, S3
 * buckets, secrets, SSM parameters). What no engine here can run is recorded for the
 * runner: functions, event source mappings, async-invoke settings, state machines, REST
 * APIs, custom resources. Resources with no local behaviour (IAM roles and policies, log
 * groups, permissions, alarms, versions) get their physical ids only, so references to
 * them resolve; the roles are enforced at run time by the IAM gateway (iam/), not here.
 * SES: moto, like SES, refuses to send from an unverified identity. Identities a stack
 * declares (AWS::SES::EmailIdentity) are created, and so is every identity a function's
 * role may send from (`ses:Send*` on `…:identity/<domain or address>`): in AWS those are
 * verified outside the stacks, before the first deploy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { AthenaClient, CreateNamedQueryCommand, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  CreateDatabaseCommand,
  CreateTableCommand as CreateGlueTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { tableInputFromProperties } from '@order-platform/test-support/aws';
import { countCalls, type CallStats } from './call-stats';
import { ACCOUNT, PACKAGE_DIR, REGION } from './cfn';
import type { FirehoseFeed } from './firehose';
import type { LocalFunction } from './lambda/host';
import type { LocalResource } from './types';

export interface Clients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  events: EventBridgeClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
  ssm: SSMClient;
  ses: SESv2Client;
  streams: DynamoDBStreamsClient;
  kinesis: KinesisClient;
  glue: GlueClient;
  athena: AthenaClient;
}

/** The runner's own clients (admin credentials), each call counted in `calls` when given. */
export function clientsFor(endpoint: string, calls?: CallStats): Clients {
  const config = {
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    forcePathStyle: true,
  };
  const clients: Clients = {
    dynamodb: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    events: new EventBridgeClient(config),
    s3: new S3Client(config),
    secrets: new SecretsManagerClient(config),
    ssm: new SSMClient(config),
    ses: new SESv2Client(config),
    streams: new DynamoDBStreamsClient(config),
    // Kinesis' client speaks HTTP/2 by default (SubscribeToShard); moto speaks HTTP/1.1.
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    glue: new GlueClient(config),
    athena: new AthenaClient(config),
  };
  if (calls) for (const client of Object.values(clients)) countCalls(client, calls, 'runner');
  return clients;
}

/** A target the runner delivers itself: moto matches the rule and fills a shadow queue. */
export interface ShadowDelivery {
  kind: 'rule-target' | 'sns-subscription' | 's3-notification';
  /** The shadow queue moto delivers to. */
  queueUrl: string;
  /** Lambda function ARN or state machine ARN. */
  targetArn: string;
  /** Where a target's undeliverable events go (EventBridge target DeadLetterConfig). */
  deadLetterArn?: string;
  /** S3 key filter rules (moto delivers every key: the runner applies them). */
  keyFilter?: { prefix?: string; suffix?: string };
  source: string;
  /** The topic, rule or bucket ARN (what the function's resource policy must admit). */
  sourceArn: string;
}

/** A delivery moto makes itself to a queue: SNS subscription or rule target (queue policy). */
export interface QueueDelivery {
  kind: 'sns-subscription' | 'rule-target';
  queueArn: string;
  /** The topic or rule ARN (the queue policy's `aws:SourceArn`). */
  sourceArn: string;
  /** SNS: the subscription; EventBridge: the rule, its bus and the target id. */
  subscriptionArn?: string;
  rule?: { name: string; bus: string; targetId: string };
  source: string;
}

export interface Schedule {
  ruleName: string;
  expression: string;
  targetArn: string;
  input?: string;
  source: string;
  sourceArn: string;
}

/** What provisioning leaves for the runner to run. */
export interface Runnables {
  functions: LocalFunction[];
  eventSourceMappings: LocalResource[];
  eventInvokeConfigs: LocalResource[];
  stateMachines: LocalResource[];
  apiResources: LocalResource[];
  customResources: LocalResource[];
  shadows: ShadowDelivery[];
  schedules: Schedule[];
  queueDeliveries: QueueDelivery[];
  /** Firehose delivery streams (local/src/firehose.ts plays them) and the rules that feed them. */
  deliveryStreams: LocalResource[];
  firehoseFeeds: FirehoseFeed[];
  /** Secret values by secret name, for the parts the runner starts (simulated provider). */
  secrets: Map<string, string>;
}

export function emptyRunnables(): Runnables {
  return {
    functions: [],
    eventSourceMappings: [],
    eventInvokeConfigs: [],
    stateMachines: [],
    apiResources: [],
    customResources: [],
    shadows: [],
    schedules: [],
    queueDeliveries: [],
    deliveryStreams: [],
    firehoseFeeds: [],
    secrets: new Map(),
  };
}

export interface ProvisionInput {
  root: string;
  stack: string;
  service: string;
  stackName: string;
  logicalId: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  props: Record<string, any>;
}

export interface Provisioned {
  physicalId: string;
  attributes?: Record<string, string>;
}

type Provisioner = (c: Clients, r: ProvisionInput, out: Runnables) => Promise<Provisioned>;

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** CloudFormation's generated names: stack-logicalId-suffix, within the service's limit. */
function generatedName(r: ProvisionInput, max: number, suffix = ''): string {
  const hash = createHash('sha1').update(`${r.stackName}/${r.logicalId}`).digest('hex').slice(0, 8);
  const base = `${r.stackName}-${r.logicalId}`.slice(0, max - hash.length - suffix.length - 1);
  return `${base}-${hash}${suffix}`;
}

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

const queueAttributes = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedrivePolicy',
  'RedriveAllowPolicy',
];

async function createQueue(c: Clients, name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const a = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: a.Attributes!.QueueArn! };
}

/** A queue the runner reads on behalf of a target moto cannot call (a function, a state machine). */
export async function shadowQueue(c: Clients, owner: string) {
  const hash = createHash('sha1').update(owner).digest('hex').slice(0, 16);
  return createQueue(c, `op-local-shadow-${hash}`, { VisibilityTimeout: '60' });
}

const isQueueArn = (a: string) => a.startsWith('arn:aws:sqs:');
const isLambdaArn = (a: string) => a.startsWith('arn:aws:lambda:');
const isStateMachineArn = (a: string) => a.startsWith('arn:aws:states:');
const isFirehoseArn = (a: string) => a.startsWith('arn:aws:firehose:');

/** Creates (verifies, in moto) an SES identity; one that exists already is fine. */
async function verifyEmailIdentity(c: Clients, identity: string): Promise<void> {
  try {
    await c.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity }));
  } catch (e) {
    if ((e as Error).name !== 'AlreadyExistsException') throw e;
  }
}

/** The SES identities an IAM role's inline policies allow sending from (no wildcards). */
export function sesSendingIdentities(props: Record<string, unknown>): string[] {
  type Statement = { Effect?: string; Action?: unknown; Resource?: unknown };
  const statements = ((props.Policies ?? []) as { PolicyDocument?: { Statement?: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument?.Statement ?? [],
  );
  const found = new Set<string>();
  for (const st of statements) {
    const actions = [st.Action].flat().map(String);
    if (st.Effect !== 'Allow' || !actions.some((a) => /^ses:Send/i.test(a))) continue;
    for (const resource of [st.Resource].flat()) {
      const m = /^arn:[\w-]+:ses:[^:]*:[^:]*:identity\/([^*]+)$/.exec(String(resource));
      if (m) found.add(m[1]!);
    }
  }
  return [...found].sort();
}

const provisioners: Record<string, Provisioner> = {
  async 'AWS::DynamoDB::Table'(c, r) {
    const p = r.props;
    const name = p.TableName ?? generatedName(r, 255);
    const out = await c.dynamodb.send(new CreateTableCommand(tableInputFromProperties(p, name)));
    if (p.TimeToLiveSpecification?.Enabled) {
      await c.dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: p.TimeToLiveSpecification }),
      );
    }
    return {
      physicalId: name,
      attributes: {
        Arn: out.TableDescription!.TableArn!,
        ...(out.TableDescription?.LatestStreamArn ? { StreamArn: out.TableDescription.LatestStreamArn } : {}),
      },
    };
  },

  async 'AWS::SQS::Queue'(c, r) {
    const p = r.props;
    const name = p.QueueName ?? generatedName(r, 80, p.FifoQueue ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    for (const k of queueAttributes) if (p[k] !== undefined) attributes[k] = json(p[k]);
    const q = await createQueue(c, name, attributes);
    return { physicalId: q.url, attributes: { Arn: q.arn, QueueName: name, QueueUrl: q.url } };
  },

  async 'AWS::SNS::Topic'(c, r) {
    const p = r.props;
    const name = p.TopicName ?? generatedName(r, 256, p.FifoTopic ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    if (p.FifoTopic) attributes.FifoTopic = 'true';
    if (p.ContentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
    const out = await c.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
    return { physicalId: out.TopicArn!, attributes: { TopicArn: out.TopicArn!, TopicName: name } };
  },

  async 'AWS::SNS::Subscription'(c, r, run) {
    const p = r.props;
    const attributes: Record<string, string> = {};
    for (const k of ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy'])
      if (p[k] !== undefined) attributes[k] = json(p[k]);
    let endpoint = String(p.Endpoint);
    let protocol = String(p.Protocol);
    if (protocol === 'lambda') {
      const redrive = (
        typeof p.RedrivePolicy === 'string' ? JSON.parse(p.RedrivePolicy) : p.RedrivePolicy
      ) as { deadLetterTargetArn?: string } | undefined;
      // moto would need Docker to call the function: it delivers to a shadow queue (same
      // filter policy, so moto still decides what matches) and the runner invokes.
      const q = await shadowQueue(c, `${r.stackName}/${r.logicalId}`);
      run.shadows.push({
        kind: 'sns-subscription',
        queueUrl: q.url,
        targetArn: endpoint,
        source: r.logicalId,
        sourceArn: String(p.TopicArn),
        // The subscription's DLQ: where SNS sends what it gives up delivering.
        ...(redrive?.deadLetterTargetArn ? { deadLetterArn: String(redrive.deadLetterTargetArn) } : {}),
      });
      endpoint = q.arn;
      protocol = 'sqs';
      delete attributes.RawMessageDelivery;
    }
    const out = await c.sns.send(
      new SubscribeCommand({
        TopicArn: p.TopicArn,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: attributes,
      }),
    );
    if (protocol === 'sqs' && String(p.Protocol) === 'sqs')
      run.queueDeliveries.push({
        kind: 'sns-subscription',
        queueArn: endpoint,
        sourceArn: String(p.TopicArn),
        subscriptionArn: out.SubscriptionArn!,
        source: `${r.service}/${r.logicalId}`,
      });
    return { physicalId: out.SubscriptionArn! };
  },

  async 'AWS::Events::EventBus'(c, r) {
    const out = await c.events.send(new CreateEventBusCommand({ Name: r.props.Name }));
    return { physicalId: r.props.Name, attributes: { Arn: out.EventBusArn!, Name: r.props.Name } };
  },

  async 'AWS::Events::Archive'(c, r) {
    const p = r.props;
    const name = p.ArchiveName ?? generatedName(r, 48);
    const out = await c.events.send(
      new CreateArchiveCommand({
        ArchiveName: name,
        EventSourceArn: p.SourceArn,
        ...(p.EventPattern ? { EventPattern: json(p.EventPattern) } : {}),
        ...(p.RetentionDays ? { RetentionDays: p.RetentionDays } : {}),
      }),
    );
    return { physicalId: name, attributes: { Arn: out.ArchiveArn! } };
  },

  async 'AWS::Events::Rule'(c, r, run) {
    const p = r.props;
    const name = p.Name ?? generatedName(r, 64);
    const bus = p.EventBusName
      ? String(p.EventBusName).replace(/^arn:aws:events:[^:]+:\d+:event-bus\//, '')
      : 'default';
    const source = `${r.service}/${r.logicalId}`;
    if (p.ScheduleExpression) {
      // moto stores schedules but does not fire them: the runner's scheduler does.
      for (const t of p.Targets ?? [])
        run.schedules.push({
          ruleName: name,
          expression: p.ScheduleExpression,
          targetArn: t.Arn,
          input: t.Input,
          source,
          sourceArn: arn('events', `rule/${name}`),
        });
      return { physicalId: name, attributes: { Arn: arn('events', `rule/${name}`) } };
    }
    const out = await c.events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: bus,
        EventPattern: json(p.EventPattern),
        State: p.State ?? 'ENABLED',
        ...(p.Description ? { Description: p.Description } : {}),
      }),
    );
    const targets: Target[] = [];
    for (const t of p.Targets ?? []) {
      const keep = {
        Id: t.Id,
        ...(t.Input !== undefined ? { Input: t.Input } : {}),
        ...(t.InputPath !== undefined ? { InputPath: t.InputPath } : {}),
        ...(t.InputTransformer !== undefined ? { InputTransformer: t.InputTransformer } : {}),
      };
      if (isQueueArn(t.Arn)) {
        run.queueDeliveries.push({
          kind: 'rule-target',
          queueArn: t.Arn,
          sourceArn: out.RuleArn!,
          rule: { name, bus, targetId: t.Id },
          source,
        });
        targets.push({ ...keep, Arn: t.Arn, ...(t.SqsParameters ? { SqsParameters: t.SqsParameters } : {}) });
      } else if (isLambdaArn(t.Arn) || isStateMachineArn(t.Arn)) {
        const q = await shadowQueue(c, `${r.stackName}/${r.logicalId}/${t.Id}`);
        run.shadows.push({
          kind: 'rule-target',
          queueUrl: q.url,
          targetArn: t.Arn,
          ...(t.DeadLetterConfig?.Arn ? { deadLetterArn: t.DeadLetterConfig.Arn } : {}),
          source,
          sourceArn: out.RuleArn!,
        });
        targets.push({ ...keep, Arn: q.arn });
      } else if (isFirehoseArn(t.Arn)) {
        // moto's rules cannot put into Firehose: a shadow queue, read by the runner's Firehose.
        const q = await shadowQueue(c, `${r.stackName}/${r.logicalId}/${t.Id}`);
        run.firehoseFeeds.push({
          queueUrl: q.url,
          deliveryStreamArn: t.Arn,
          ...(t.RoleArn ? { roleArn: String(t.RoleArn) } : {}),
          ...(t.DeadLetterConfig?.Arn ? { deadLetterArn: String(t.DeadLetterConfig.Arn) } : {}),
          ruleArn: out.RuleArn!,
          source,
        });
        targets.push({ ...keep, Arn: q.arn });
      } else {
        throw new Error(`${source}: target ${t.Arn} is not supported by the local runner`);
      }
    }
    if (targets.length)
      await c.events.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: targets }));
    return { physicalId: name, attributes: { Arn: out.RuleArn! } };
  },

  async 'AWS::S3::Bucket'(c, r, run) {
    const p = r.props;
    const name = p.BucketName ?? generatedName(r, 63).toLowerCase();
    await c.s3.send(new CreateBucketCommand({ Bucket: name }));
    const n = p.NotificationConfiguration;
    if (n?.QueueConfigurations?.length || n?.LambdaConfigurations?.length) {
      // CloudFormation's `Filter.S3Key.Rules` is the API's `Filter.Key.FilterRules`.
      type Rule = { Name: string; Value: string };
      const apiFilter = (f?: { S3Key?: { Rules?: Rule[] } }) =>
        f?.S3Key?.Rules ? { Filter: { Key: { FilterRules: f.S3Key.Rules } } } : {};
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const queues = [...(n.QueueConfigurations ?? [])].map((q: Record<string, any>) => ({
        QueueArn: q.Queue as string,
        Events: [q.Event as string],
        ...apiFilter(q.Filter),
      }));
      for (const l of n.LambdaConfigurations ?? []) {
        const q = await shadowQueue(c, `${r.stackName}/${r.logicalId}/${l.Function}/${l.Event}`);
        const rules = (l.Filter?.S3Key?.Rules ?? []) as Rule[];
        const rule = (name: string) => rules.find((x) => x.Name.toLowerCase() === name)?.Value;
        const [prefix, suffix] = [rule('prefix'), rule('suffix')];
        run.shadows.push({
          kind: 's3-notification',
          queueUrl: q.url,
          targetArn: l.Function,
          source: `${r.service}/${r.logicalId}`,
          sourceArn: `arn:aws:s3:::${name}`,
          keyFilter: { ...(prefix ? { prefix } : {}), ...(suffix ? { suffix } : {}) },
        });
        queues.push({ QueueArn: q.arn, Events: [l.Event], ...apiFilter(l.Filter) });
      }
      await c.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: name,
          NotificationConfiguration: { QueueConfigurations: queues as never },
        }),
      );
    }
    return {
      physicalId: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${REGION}.amazonaws.com`,
      },
    };
  },

  async 'AWS::SecretsManager::Secret'(c, r, run) {
    const p = r.props;
    const name = p.Name ?? generatedName(r, 256);
    let value: string = p.SecretString;
    if (value === undefined) {
      // GenerateSecretString: a random password, alone or as one key of a JSON template.
      const g = p.GenerateSecretString ?? {};
      const password = randomBytes(48)
        .toString('base64url')
        .replace(/[-_]/g, '')
        .slice(0, g.PasswordLength ?? 32);
      value = g.SecretStringTemplate
        ? JSON.stringify({ ...JSON.parse(g.SecretStringTemplate), [g.GenerateStringKey]: password })
        : password;
    }
    const out = await c.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    run.secrets.set(name, value);
    return { physicalId: out.ARN!, attributes: { Id: out.ARN! } };
  },

  async 'AWS::SSM::Parameter'(c, r) {
    const p = r.props;
    const name = p.Name ?? `/${generatedName(r, 1000)}`;
    await c.ssm.send(
      new PutParameterCommand({ Name: name, Value: p.Value, Type: p.Type ?? 'String', Overwrite: true }),
    );
    return { physicalId: name, attributes: { Type: p.Type ?? 'String', Value: p.Value } };
  },

  async 'AWS::Lambda::Function'(_c, r, run) {
    const p = r.props;
    const name = p.FunctionName ?? generatedName(r, 64);
    const fnArn = arn('lambda', `function:${name}`);
    const key = name.startsWith(`${r.stackName}-`) ? name.slice(r.stackName.length + 1) : name;
    run.functions.push({
      name,
      arn: fnArn,
      service: r.service,
      key,
      zipPath: join(r.root, r.stack, PACKAGE_DIR, basename(String(p.Code?.S3Key ?? `${key}.zip`))),
      handler: p.Handler,
      timeoutMs: Number(p.Timeout ?? 3) * 1000,
      memoryMb: Number(p.MemorySize ?? 128),
      environment: Object.fromEntries(
        Object.entries((p.Environment?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          String(v),
        ]),
      ),
      ...(p.ReservedConcurrentExecutions !== undefined
        ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) }
        : {}),
      ...(p.Role ? { role: String(p.Role) } : {}),
    });
    return { physicalId: name, attributes: { Arn: fnArn } };
  },

  async 'AWS::IAM::Role'(c, r) {
    for (const identity of sesSendingIdentities(r.props)) await verifyEmailIdentity(c, identity);
    return recordOnly(r);
  },

  async 'AWS::SES::EmailIdentity'(c, r) {
    await verifyEmailIdentity(c, String(r.props.EmailIdentity));
    return { physicalId: String(r.props.EmailIdentity) };
  },

  async 'AWS::Kinesis::Stream'(c, r) {
    const p = r.props;
    const name = p.Name ?? generatedName(r, 128);
    const onDemand = p.StreamModeDetails?.StreamMode === 'ON_DEMAND';
    await c.kinesis.send(
      new CreateStreamCommand({
        StreamName: name,
        ...(onDemand
          ? { StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
          : { ShardCount: Number(p.ShardCount ?? 1) }),
      }),
    );
    const d = await c.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return { physicalId: name, attributes: { Arn: d.StreamDescriptionSummary!.StreamARN! } };
  },

  // Played by the runner (firehose.ts): moto's Firehose neither buffers nor partitions.
  async 'AWS::KinesisFirehose::DeliveryStream'(_c, r) {
    const name = r.props.DeliveryStreamName ?? generatedName(r, 64);
    return { physicalId: name, attributes: { Arn: arn('firehose', `deliverystream/${name}`) } };
  },

  // The catalog and the workgroup exist in moto, as in AWS: `npm run lake:query` reads them.
  async 'AWS::Glue::Database'(c, r) {
    const input = r.props.DatabaseInput ?? {};
    const name = input.Name ?? generatedName(r, 255).toLowerCase();
    await c.glue.send(new CreateDatabaseCommand({ DatabaseInput: { ...input, Name: name } }));
    return { physicalId: name };
  },

  async 'AWS::Glue::Table'(c, r) {
    const input = r.props.TableInput ?? {};
    const name = input.Name ?? generatedName(r, 255).toLowerCase();
    await c.glue.send(
      new CreateGlueTableCommand({
        DatabaseName: r.props.DatabaseName,
        TableInput: { ...input, Name: name },
      }),
    );
    return { physicalId: name };
  },

  async 'AWS::Athena::WorkGroup'(c, r) {
    const p = r.props;
    await c.athena.send(
      new CreateWorkGroupCommand({
        Name: p.Name,
        ...(p.Description ? { Description: p.Description } : {}),
        ...(p.WorkGroupConfiguration ? { Configuration: p.WorkGroupConfiguration } : {}),
      }),
    );
    return { physicalId: p.Name };
  },

  async 'AWS::Athena::NamedQuery'(c, r) {
    const p = r.props;
    const out = await c.athena.send(
      new CreateNamedQueryCommand({
        Name: p.Name ?? r.logicalId,
        Database: p.Database,
        QueryString: p.QueryString,
        ...(p.Description ? { Description: p.Description } : {}),
        ...(p.WorkGroup ? { WorkGroup: p.WorkGroup } : {}),
      }),
    );
    return { physicalId: out.NamedQueryId!, attributes: { NamedQueryId: out.NamedQueryId! } };
  },

  async 'AWS::StepFunctions::StateMachine'(_c, r) {
    const name = r.props.StateMachineName ?? generatedName(r, 80);
    const smArn = arn('states', `stateMachine:${name}`);
    return { physicalId: smArn, attributes: { Arn: smArn, Name: name } };
  },
};

/** Physical ids (and attributes) of resources that have no local behaviour of their own. */
function recordOnly(r: ProvisionInput): Provisioned {
  const p = r.props;
  const id = createHash('sha1').update(`${r.stackName}/${r.logicalId}`).digest('hex').slice(0, 10);
  switch (r.type) {
    case 'AWS::IAM::Role': {
      const name = p.RoleName ?? generatedName(r, 64);
      return { physicalId: name, attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleId: id } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = p.ManagedPolicyName ?? generatedName(r, 128);
      return { physicalId: `arn:aws:iam::${ACCOUNT}:policy${p.Path ?? '/'}${name}` };
    }
    case 'AWS::Logs::LogGroup': {
      const name = p.LogGroupName ?? generatedName(r, 512);
      return { physicalId: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
    }
    case 'AWS::Lambda::Version':
      return { physicalId: `${arn('lambda', `function:${p.FunctionName}`)}:1`, attributes: { Version: '1' } };
    case 'AWS::ApiGateway::RestApi':
      return { physicalId: id, attributes: { RootResourceId: `${id}-root` } };
    case 'AWS::ApiGateway::Model':
      return { physicalId: p.Name ?? r.logicalId };
    case 'AWS::CloudWatch::Alarm':
      return {
        physicalId: p.AlarmName ?? generatedName(r, 255),
        attributes: { Arn: arn('cloudwatch', `alarm:${r.logicalId}`) },
      };
    default:
      return { physicalId: `${r.logicalId}-${id}` };
  }
}

const RUNNER_KINDS: Record<string, keyof Runnables> = {
  'AWS::Lambda::EventSourceMapping': 'eventSourceMappings',
  'AWS::Lambda::EventInvokeConfig': 'eventInvokeConfigs',
  'AWS::StepFunctions::StateMachine': 'stateMachines',
  'AWS::KinesisFirehose::DeliveryStream': 'deliveryStreams',
};

export async function provisionResource(c: Clients, r: ProvisionInput, run: Runnables): Promise<Provisioned> {
  const make = provisioners[r.type];
  return make ? make(c, r, run) : recordOnly(r);
}

/** After a resource exists: hand the runner what it must run (resolved). */
export function collect(resource: LocalResource, run: Runnables): void {
  const kind = RUNNER_KINDS[resource.type];
  if (kind) (run[kind] as LocalResource[]).push(resource);
  else if (resource.type.startsWith('AWS::ApiGateway::')) run.apiResources.push(resource);
  else if (resource.type.startsWith('Custom::') || resource.type === 'AWS::CloudFormation::CustomResource')
    run.customResources.push(resource);
}
