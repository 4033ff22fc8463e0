#!/usr/bin/env node
// Deploys every stack in dependency order with the pinned osls. Extra arguments go to
// each `osls deploy` (e.g. --stage prod --region eu-west-1 --param="...").
// `--localstack` deploys the localstack stage against AWS_ENDPOINT_URL (default
// http://localhost:4566), which osls 4 honours through the AWS SDK v3.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root, stacks } from './stacks.mjs';

const args = process.argv.slice(2);
const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1' };
const localstack = args.includes('--localstack');
const passThrough = args.filter((a) => a !== '--localstack');
if (localstack) {
  env.AWS_ENDPOINT_URL ??= 'http://localhost:4566';
  env.AWS_ACCESS_KEY_ID ??= 'test';
  env.AWS_SECRET_ACCESS_KEY ??= 'test';
  env.AWS_REGION ??= 'us-east-1';
  if (!passThrough.includes('--stage')) passThrough.push('--stage', 'localstack');
}
if (args.includes('--help')) {
  console.log(
    'usage: npm run deploy -- [--stage S] [--region R] [osls deploy options]\n       npm run deploy:localstack',
  );
  process.exit(0);
}
const osls = join(root, 'node_modules', '.bin', 'osls');
for (const dir of stacks()) {
  console.log(`\n== deploying ${dir === '.' ? 'platform' : dir}`);
  const r = spawnSync(osls, ['deploy', ...passThrough], { cwd: join(root, dir), env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`deploy of ${dir} failed; later stacks depend on it, stopping here`);
    process.exit(r.status ?? 1);
  }
}
