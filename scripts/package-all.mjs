#!/usr/bin/env node
// Packages every stack offline (no AWS account needed) with the pinned osls, two at a
// time, leaving each template at <stack>/.serverless/cloudformation-template-update-stack.json.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, stacks } from './stacks.mjs';

const stage = process.env.STAGE ?? 'dev';
const osls = join(root, 'node_modules', '.bin', 'osls');
const only = process.argv.slice(2);
const targets = stacks().filter((s) => only.length === 0 || only.includes(s));

function packageStack(dir) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(osls, ['package', '--stage', stage], {
      cwd: join(root, dir),
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ dir, code, output, ms: Date.now() - started }));
  });
}

const queue = [...targets];
const results = [];
await Promise.all(
  [1, 2].map(async () => {
    while (queue.length) {
      const dir = queue.shift();
      const r = await packageStack(dir);
      results.push(r);
      console.log(
        `${r.code === 0 ? 'packaged' : 'FAILED  '} ${dir === '.' ? 'platform (.)' : dir} in ${(r.ms / 1000).toFixed(1)} s`,
      );
      if (r.code !== 0) console.error(r.output);
    }
  }),
);
if (results.some((r) => r.code !== 0)) process.exit(1);
