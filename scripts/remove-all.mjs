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
const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
const { S3Client } = await import('@aws-sdk/client-s3');
const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
const { removeStage } = await import('./remove-stage.mjs');
const osls = join(root, 'node_modules', '.bin', 'osls');
const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1' };

const serviceOf = (dir) =>
  /^service:\s*(\S+)/m.exec(readFileSync(join(root, dir, 'serverless.yml'), 'utf8'))?.[1] ?? dir;
/** Logical ids with DeletionPolicy Retain, from the stack's packaged template. */
function retainedIn(dir) {
  const template = join(root, dir, '.serverless', 'cloudformation-template-update-stack.json');
  if (!existsSync(template)) return new Set();
  const t = JSON.parse(readFileSync(template, 'utf8'));
  return new Set(
    Object.entries(t.Resources ?? {})
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([id]) => id),
  );
}

try {
  const { retained } = await removeStage({
    stacks: stacks().map((dir) => ({
      dir,
      stackName: `${serviceOf(dir)}-${stage}`,
      retained: retainedIn(dir),
    })),
    cfn: new CloudFormationClient({ region }),
    s3: new S3Client({ region, forcePathStyle: !!process.env.AWS_ENDPOINT_URL }),
    dynamodb: new DynamoDBClient({ region }),
    purge: values['purge-retained'] === true,
    runOsls: (dir) =>
      spawnSync(osls, ['remove', '--stage', stage, '--region', region], {
        cwd: join(root, dir),
        env,
        stdio: 'inherit',
      }).status ?? 1,
    log: (line) => console.log(line),
  });
  if (retained.length) {
    console.log(
      '\nKept on purpose (DeletionPolicy Retain); `--purge-retained` deletes them, with their data:',
    );
    for (const line of retained) console.log(`  ${line}`);
  }
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
