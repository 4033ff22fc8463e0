#!/usr/bin/env node
// Removes every stack of a stage, in reverse dependency order (scripts/stacks.mjs), so no
// stack is removed while a later one still imports its exports.
//
//   npm run remove -- --stage <stage> [--region <region>] [--purge-retained]
//
// AWS (and LocalStack with AWS_ENDPOINT_URL): each stack's own buckets are emptied first
// (CloudFormation cannot delete a bucket that holds objects), then `osls remove`.
// Resources with DeletionPolicy Retain (the tables of record, the invoice and export
// buckets) outlive their stack by design and are listed at the end; --purge-retained
// deletes them too (their data is gone for good), so nothing of the stage is left to pay for.
// --stage local: the running `npm run dev` removes the stacks from its engines
// (POST /_local/remove, local/src/remove.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, stacks } from './stacks.mjs';

const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    region: { type: 'string' },
    'purge-retained': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help || !values.stage) {
  console.log('usage: npm run remove -- --stage <stage> [--region <region>] [--purge-retained]');
  process.exit(values.help ? 0 : 2);
}
const { stage } = values;

if (stage === 'local') {
  const file = join(root, '.local', 'platform.json');
  if (!existsSync(file)) {
    console.error('The local platform is not running (no .local/platform.json): nothing to remove.');
    process.exit(1);
  }
  const { controlUrl } = JSON.parse(readFileSync(file, 'utf8'));
  const res = await globalThis.fetch(`${controlUrl}/_local/remove`, { method: 'POST' });
  if (!res.ok) {
    console.error(`the local runner answered ${res.status}: ${await res.text()}`);
    process.exit(1);
  }
  const { removed } = await res.json();
  for (const r of removed)
    console.log(`removed ${r.stack === '.' ? 'platform' : r.stack}: ${r.deleted} resources`);
  console.log('Every stack is gone from the engines; stop `npm run dev` with Ctrl-C.');
  process.exit(0);
}

const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
process.env.AWS_REGION = region;
const { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } =
  await import('@aws-sdk/client-cloudformation');
const { S3Client, ListObjectVersionsCommand, DeleteObjectsCommand, DeleteBucketCommand } =
  await import('@aws-sdk/client-s3');
const { DynamoDBClient, DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
const purge = values['purge-retained'] === true;
const cfn = new CloudFormationClient({ region });
const s3 = new S3Client({ region, forcePathStyle: !!process.env.AWS_ENDPOINT_URL });
const dynamodb = new DynamoDBClient({ region });
const osls = join(root, 'node_modules', '.bin', 'osls');
const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1' };

const serviceOf = (dir) =>
  /^service:\s*(\S+)/m.exec(readFileSync(join(root, dir, 'serverless.yml'), 'utf8'))?.[1] ?? dir;

async function exists(stackName) {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return out.Stacks?.some((s) => s.StackStatus !== 'DELETE_COMPLETE') ?? false;
  } catch (e) {
    if (/does not exist/.test(String(e?.message))) return false;
    throw e;
  }
}

async function resourcesOf(stackName) {
  const all = [];
  let NextToken;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    all.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

async function emptyBucket(bucket) {
  let removed = 0;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      ...(v.VersionId && v.VersionId !== 'null' ? { VersionId: v.VersionId } : {}),
    }));
    if (objects.length === 0) return removed;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    removed += objects.length;
  }
}

const retained = [];
for (const dir of [...stacks()].reverse()) {
  const stackName = `${serviceOf(dir)}-${stage}`;
  if (!(await exists(stackName))) {
    console.log(`== ${stackName}: not deployed, skipped`);
    continue;
  }
  console.log(`\n== removing ${stackName}`);
  const own = await resourcesOf(stackName);
  const template = join(root, dir, '.serverless', 'cloudformation-template-update-stack.json');
  const kept = new Set();
  if (existsSync(template)) {
    const t = JSON.parse(readFileSync(template, 'utf8'));
    for (const [id, r] of Object.entries(t.Resources ?? {})) if (r.DeletionPolicy === 'Retain') kept.add(id);
  }
  const keptHere = own.filter((r) => kept.has(r.LogicalResourceId) && r.PhysicalResourceId);
  for (const b of own.filter((r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId)) {
    if (kept.has(b.LogicalResourceId) && !purge) continue;
    const n = await emptyBucket(b.PhysicalResourceId);
    console.log(`emptied ${b.PhysicalResourceId} (${n} objects and versions)`);
  }
  const r = spawnSync(osls, ['remove', '--stage', stage, '--region', region], {
    cwd: join(root, dir),
    env,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`removing ${stackName} failed; earlier stacks are still imported by it, stopping here`);
    process.exit(r.status ?? 1);
  }
  for (const k of keptHere) {
    const what = `${stackName} ${k.LogicalResourceId} (${k.ResourceType}): ${k.PhysicalResourceId}`;
    if (!purge) retained.push(what);
    else if (k.ResourceType === 'AWS::S3::Bucket') {
      await s3.send(new DeleteBucketCommand({ Bucket: k.PhysicalResourceId }));
      console.log(`deleted retained ${what}`);
    } else if (k.ResourceType === 'AWS::DynamoDB::Table') {
      await dynamodb.send(new DeleteTableCommand({ TableName: k.PhysicalResourceId }));
      console.log(`deleted retained ${what}`);
    } else retained.push(what);
  }
}
if (retained.length) {
  console.log('\nKept on purpose (DeletionPolicy Retain); `--purge-retained` deletes them, with their data:');
  for (const line of retained) console.log(`  ${line}`);
}
