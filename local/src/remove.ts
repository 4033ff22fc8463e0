/**
 * `npm run remove -- --stage local`: what `osls remove` does to a stage, done to the
 * local platform. Every stack's resources are deleted from the engines, stacks in reverse
 * dependency order and each stack's resources in reverse creation order, buckets emptied
 * first (as scripts/remove-all.mjs does in AWS). Only resources an engine holds are
 * deleted; what the runner only recorded (roles, log groups, alarms, functions) has
 * nothing to delete once the runner stops running it. The runner's own shadow queues go
 * too.
 */
import { DeleteNamedQueryCommand, DeleteWorkGroupCommand } from '@aws-sdk/client-athena';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { DeleteDatabaseCommand, DeleteTableCommand as DeleteGlueTableCommand } from '@aws-sdk/client-glue';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DeleteTopicCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { DeleteEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import type { Clients } from './provision';
import type { LocalResource } from './types';

/** Empties a bucket: every object version and delete marker, 1,000 at a time. */
export async function emptyBucket(c: Clients, bucket: string): Promise<number> {
  let removed = 0;
  for (;;) {
    const page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(
      (v) => ({
        Key: v.Key!,
        ...(v.VersionId && v.VersionId !== 'null' ? { VersionId: v.VersionId } : {}),
      }),
    );
    if (objects.length === 0) return removed;
    await c.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    removed += objects.length;
  }
}

const nameFromArn = (arn: string) => arn.split('/').pop()!;

const deleters: Record<string, (c: Clients, r: LocalResource) => Promise<unknown>> = {
  'AWS::SQS::Queue': (c, r) => c.sqs.send(new DeleteQueueCommand({ QueueUrl: r.physicalId })),
  'AWS::SNS::Subscription': async (c, r) => {
    if (r.physicalId.startsWith('arn:'))
      await c.sns.send(new UnsubscribeCommand({ SubscriptionArn: r.physicalId }));
  },
  'AWS::SNS::Topic': (c, r) => c.sns.send(new DeleteTopicCommand({ TopicArn: r.physicalId })),
  'AWS::DynamoDB::Table': (c, r) => c.dynamodb.send(new DeleteTableCommand({ TableName: r.physicalId })),
  'AWS::S3::Bucket': async (c, r) => {
    await emptyBucket(c, r.physicalId);
    await c.s3.send(new DeleteBucketCommand({ Bucket: r.physicalId }));
  },
  'AWS::Events::Rule': async (c, r) => {
    // moto never held a schedule: the runner's scheduler fired it, and stops with it.
    if (r.properties.ScheduleExpression) return;
    const bus = r.properties.EventBusName ? nameFromArn(String(r.properties.EventBusName)) : undefined;
    const name = r.physicalId;
    const targets = await c.events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus }));
    const ids = (targets.Targets ?? []).map((t) => t.Id!);
    if (ids.length)
      await c.events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: bus, Ids: ids }));
    await c.events.send(new DeleteRuleCommand({ Name: name, EventBusName: bus }));
  },
  'AWS::Events::Archive': (c, r) => c.events.send(new DeleteArchiveCommand({ ArchiveName: r.physicalId })),
  'AWS::Events::EventBus': (c, r) => c.events.send(new DeleteEventBusCommand({ Name: r.physicalId })),
  'AWS::SecretsManager::Secret': (c, r) =>
    c.secrets.send(new DeleteSecretCommand({ SecretId: r.physicalId, ForceDeleteWithoutRecovery: true })),
  'AWS::SSM::Parameter': (c, r) => c.ssm.send(new DeleteParameterCommand({ Name: r.physicalId })),
  'AWS::Kinesis::Stream': (c, r) =>
    c.kinesis.send(new DeleteStreamCommand({ StreamName: r.physicalId, EnforceConsumerDeletion: true })),
  'AWS::Glue::Table': (c, r) =>
    c.glue.send(
      new DeleteGlueTableCommand({ DatabaseName: String(r.properties.DatabaseName), Name: r.physicalId }),
    ),
  'AWS::Glue::Database': (c, r) => c.glue.send(new DeleteDatabaseCommand({ Name: r.physicalId })),
  // A query in a workgroup of its stack goes with that workgroup (recursive delete, later
  // in reverse order; moto has no DeleteNamedQuery); one in `primary` is deleted itself.
  'AWS::Athena::NamedQuery': async (c, r) => {
    const group = r.properties.WorkGroup as string | undefined;
    if (group && group !== 'primary') return;
    await c.athena.send(new DeleteNamedQueryCommand({ NamedQueryId: r.physicalId }));
  },
  'AWS::Athena::WorkGroup': (c, r) =>
    c.athena.send(new DeleteWorkGroupCommand({ WorkGroup: r.physicalId, RecursiveDeleteOption: true })),
  'AWS::SES::EmailIdentity': (c, r) =>
    c.ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: r.physicalId })),
};

/** The resource types removeStacks deletes from the engines. */
export const removableTypes = (): string[] => Object.keys(deleters);

export interface Removal {
  stack: string;
  deleted: number;
}

/**
 * Deletes what `resources` created in the engines, for the given stacks (all by default),
 * last stack first. Answers, per stack, how many engine resources were deleted.
 */
export async function removeStacks(
  c: Clients,
  resources: LocalResource[],
  stacks: string[],
  log?: (line: string) => void,
): Promise<Removal[]> {
  const removals: Removal[] = [];
  for (const stack of [...stacks].reverse()) {
    const own = resources.filter((r) => r.stack === stack).reverse();
    let deleted = 0;
    for (const r of own) {
      const remove = deleters[r.type];
      if (!remove) continue;
      await remove(c, r);
      deleted++;
    }
    log?.(`${stack === '.' ? 'platform' : stack}: ${deleted} resources removed`);
    removals.push({ stack, deleted });
  }
  // The runner's shadow queues (deliveries it makes itself) belong to no stack.
  const shadows = await c.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'op-local-shadow-' }));
  for (const url of shadows.QueueUrls ?? []) await c.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  return removals;
}
