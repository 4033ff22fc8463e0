#!/usr/bin/env node
// npm run test:e2e -- [--target local|localstack|<aws stage>] [vitest options]
// Runs the end-to-end suite against one target (E2E_TARGET, see src/target.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--target');
const target = at >= 0 ? args[at + 1] : (process.env.E2E_TARGET ?? 'local');
if (at >= 0) args.splice(at, 2);
if (!target) {
  console.error('usage: npm run test:e2e -- --target local|localstack|<stage>');
  process.exit(2);
}
const root = join(import.meta.dirname, '..');
if (target === 'local') {
  // The local runner packages stale stacks itself; nothing to prepare.
} else {
  console.log(`e2e against ${target}: endpoints from the deployed stacks' outputs`);
}
const r = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--project', 'e2e', ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, E2E_TARGET: target },
});
process.exit(r.status ?? 1);
