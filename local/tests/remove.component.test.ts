/**
 * `npm run remove -- --stage local` (remove.ts): every stack of the local stage, created in
 * a moto_server of its own from the packaged templates exactly as `npm run dev` creates
 * them, is gone from the engine afterwards: no queue, table, topic, bucket (one holding
 * objects first), rule, bus, archive, secret or parameter of any stack is left.
 */
import { ListNamedQueriesCommand, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetDatabasesCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListArchivesCommand, ListEventBusesCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Engine } from '@order-platform/test-support/engines';
import { memorySink } from '../src/log';
import { deployStack, stackList } from '../src/platform';
import { clientsFor, emptyRunnables, type Clients } from '../src/provision';
import { removableTypes, removeStacks } from '../src/remove';
import type { LocalResource } from '../src/types';
import { repoRoot } from '../../test-support/src/template';

let moto: Engine;
let c: Clients;
let stacks: string[];
const resources: LocalResource[] = [];

/** What the engine holds, by kind (physical ids as the runner records them). */
async function inventory(): Promise<Record<string, string[]>> {
  const buses = (await c.events.send(new ListEventBusesCommand({}))).EventBuses ?? [];
  const rules: string[] = [];
  for (const bus of buses)
    for (const r of (await c.events.send(new ListRulesCommand({ EventBusName: bus.Name }))).Rules ?? [])
      rules.push(r.Name!);
  const databases = ((await c.glue.send(new GetDatabasesCommand({}))).DatabaseList ?? []).map((d) => d.Name!);
  const tables: string[] = [];
  for (const DatabaseName of databases)
    for (const t of (await c.glue.send(new GetTablesCommand({ DatabaseName }))).TableList ?? [])
      tables.push(t.Name!);
  const workGroups = ((await c.athena.send(new ListWorkGroupsCommand({}))).WorkGroups ?? []).map(
    (w) => w.Name!,
  );
  const namedQueries: string[] = [];
  for (const WorkGroup of workGroups)
    namedQueries.push(
      ...((await c.athena.send(new ListNamedQueriesCommand({ WorkGroup }))).NamedQueryIds ?? []),
    );
  return {
    'AWS::SQS::Queue': (await c.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [],
    'AWS::DynamoDB::Table': (await c.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [],
    'AWS::SNS::Topic': ((await c.sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!),
    'AWS::S3::Bucket': ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!),
    'AWS::Events::EventBus': buses.map((b) => b.Name!).filter((n) => n !== 'default'),
    'AWS::Events::Rule': rules,
    'AWS::Events::Archive': ((await c.events.send(new ListArchivesCommand({}))).Archives ?? []).map(
      (a) => a.ArchiveName!,
    ),
    'AWS::SecretsManager::Secret': ((await c.secrets.send(new ListSecretsCommand({}))).SecretList ?? []).map(
      (s) => s.ARN!,
    ),
    'AWS::SSM::Parameter': ((await c.ssm.send(new DescribeParametersCommand({}))).Parameters ?? []).map(
      (p) => p.Name!,
    ),
    'AWS::Kinesis::Stream': (await c.kinesis.send(new ListStreamsCommand({}))).StreamNames ?? [],
    'AWS::Glue::Database': databases,
    'AWS::Glue::Table': tables,
    'AWS::Athena::WorkGroup': workGroups.filter((n) => n !== 'primary'),
    'AWS::Athena::NamedQuery': namedQueries,
  };
}

beforeAll(async () => {
  moto = await startMoto();
  c = clientsFor(moto.url);
  stacks = await stackList(repoRoot);
  const exports = new Map<string, string>();
  const run = emptyRunnables();
  for (const stack of stacks)
    resources.push(...(await deployStack(repoRoot, stack, c, exports, run, memorySink())));
}, 120_000);

afterAll(() => moto?.stop());

describe('npm run remove against the local platform', () => {
  it('deletes every type the runner creates in an engine (a type added later needs a deleter)', () => {
    const source = readFileSync(join(repoRoot, 'local', 'src', 'provision.ts'), 'utf8');
    const provisioned = [...source.matchAll(/^ {2}async '(AWS::[\w:]+)'\(/gm)].map((m) => m[1]!);
    // Recorded for the runner to run, nothing of them in an engine.
    const runnerOnly = [
      'AWS::Lambda::Function',
      'AWS::IAM::Role',
      'AWS::StepFunctions::StateMachine',
      'AWS::KinesisFirehose::DeliveryStream',
    ];
    expect(provisioned.length).toBeGreaterThan(5);
    expect(provisioned.filter((t) => !runnerOnly.includes(t)).sort()).toEqual(
      removableTypes()
        .filter((t) => provisioned.includes(t))
        .sort(),
    );
    expect(removableTypes().filter((t) => !provisioned.includes(t))).toEqual([]);
  });

  it('leaves nothing of any stack in the engine', async () => {
    const before = await inventory();
    const kinds = Object.keys(before);
    // Schedules are the runner's (moto never fires them); everything else is the engine's.
    const held = resources.filter((r) => kinds.includes(r.type) && !r.properties.ScheduleExpression);
    // The inventory sees everything the stacks put in the engine (most stacks hold some).
    expect(new Set(held.map((r) => r.stack)).size).toBeGreaterThan(stacks.length / 2);
    for (const r of held) expect(before[r.type], `${r.stack} ${r.logicalId}`).toContain(r.physicalId);
    // A bucket with objects in it must be emptied first.
    const bucket = held.find((r) => r.type === 'AWS::S3::Bucket')!;
    await c.s3.send(new PutObjectCommand({ Bucket: bucket.physicalId, Key: 'left/behind.csv', Body: 'a,b' }));

    const removed = await removeStacks(c, resources, stacks);

    expect(removed.map((r) => r.stack)).toEqual([...stacks].reverse());
    const after = await inventory();
    for (const r of held) expect(after[r.type], `${r.stack} ${r.logicalId}`).not.toContain(r.physicalId);
    // Nothing else either: the runner's shadow queues went too.
    expect(after).toEqual(Object.fromEntries(kinds.map((k) => [k, []])));
  });
});
