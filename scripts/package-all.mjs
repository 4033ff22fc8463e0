#!/usr/bin/env node
// Packages every stack offline (no AWS account needed) with the pinned osls, two at a
// time, leaving each template at <stack>/<out>/cloudformation-template-update-stack.json.
//
//   node scripts/package-all.mjs [--stage dev] [--out .serverless] [stack ...]
//   node scripts/package-all.mjs --release   (the stacks with a gradual release, for prod)
//
// The local runner packages the `local` stage into .serverless-local, so it never
// overwrites the `dev` packages the template tests read.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RELEASE_OUT, RELEASE_STAGE, releaseStacks, root, stacks } from './stacks.mjs';

const { values, positionals: only } = parseArgs({
  options: {
    stage: { type: 'string', default: process.env.STAGE ?? 'dev' },
    out: { type: 'string', default: '.serverless' },
    release: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const { stage, out } = values.release ? { stage: RELEASE_STAGE, out: RELEASE_OUT } : values;
const osls = join(root, 'node_modules', '.bin', 'osls');
const targets = (values.release ? releaseStacks() : stacks()).filter(
  (s) => only.length === 0 || only.includes(s),
);

function packageStack(dir) {
  return new Promise((resolve) => {
    const started = Date.now();
    const args = ['package', '--stage', stage, ...(out === '.serverless' ? [] : ['--package', out])];
    const child = spawn(osls, args, {
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
