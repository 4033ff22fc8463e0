#!/usr/bin/env node
// Removes every stack of a stage, in reverse dependency order (scripts/stacks.mjs), so no
// stack is removed while a later one still imports its exports.
//
//   npm run remove -- --stage <stage> [--region <region>]
//
// AWS (and LocalStack with AWS_ENDPOINT_URL): each stack's own buckets are emptied first
// (CloudFormation cannot delete a bucket that holds objects), then `osls remove`.
// Resources with DeletionPolicy Retain (the orders table, say) outlive their stack by
// design; they are listed at the end with how to delete them.
// --stage local: the running `npm run dev` removes the stacks from its engines
// (POST /_local/remove, local/src/remove.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, stacks } from './stacks.mjs';

const { values } = parseArgs({
  options: { stage: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help || !values.stage) {
  console.log('usage: npm run remove -- --stage <stage> [--region <region>]');
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
const { S3Client, ListObjectVersionsCommand, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
const cfn = new CloudFormationClient({ region });
const s3 = new S3Client({ region, forcePathStyle: !!process.env.AWS_ENDPOINT_URL });
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
  for (const b of own.filter((r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId)) {
    const n = await emptyBucket(b.PhysicalResourceId);
    console.log(`emptied ${b.PhysicalResourceId} (${n} objects and versions)`);
  }
  const template = join(root, dir, '.serverless', 'cloudformation-template-update-stack.json');
  if (existsSync(template)) {
    const t = JSON.parse(readFileSync(template, 'utf8'));
    for (const [id, r] of Object.entries(t.Resources ?? {}))
      if (r.DeletionPolicy === 'Retain') {
        const physical = own.find((x) => x.LogicalResourceId === id)?.PhysicalResourceId;
        if (physical) retained.push(`${stackName} ${id} (${r.Type}): ${physical}`);
      }
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
}
if (retained.length) {
  console.log(
    '\nKept on purpose (DeletionPolicy Retain); delete them by hand once you no longer need the data:',
  );
  for (const line of retained) console.log(`  ${line}`);
}
