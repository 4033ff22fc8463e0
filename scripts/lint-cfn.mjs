#!/usr/bin/env node
// cfn-lint on every packaged template. Errors fail; warnings are printed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RELEASE_OUT, releaseStacks, root, stacks } from './stacks.mjs';

const which = spawnSync('sh', ['-c', 'command -v cfn-lint']);
if (which.status !== 0) {
  console.error('cfn-lint is not installed. Install it with: pip install cfn-lint');
  process.exit(1);
}
let failed = false;
// The dev package of every stack, and the production package of those released gradually.
const packages = [
  ...stacks().map((dir) => ({ dir, out: '.serverless', how: 'npm run package' })),
  ...releaseStacks().map((dir) => ({ dir, out: RELEASE_OUT, how: 'npm run package:release' })),
];
for (const { dir: stack, out, how } of packages) {
  const dir = out === '.serverless' ? stack : `${stack} (${out})`;
  const template = join(root, stack, out, 'cloudformation-template-update-stack.json');
  if (!existsSync(template)) {
    console.error(`${dir}: no packaged template; run ${how} first`);
    failed = true;
    continue;
  }
  // Informational W/I rules are not failures; any E rule is (exit code bit 2).
  const r = spawnSync('cfn-lint', ['--format', 'parseable', template], { encoding: 'utf8' });
  const errors = r.stdout.split('\n').filter((l) => /:E\d{4}:/.test(l));
  const warnings = r.stdout.split('\n').filter((l) => /:W\d{4}:/.test(l));
  console.log(
    `${errors.length ? 'FAIL' : 'ok  '} ${dir}: ${errors.length} errors, ${warnings.length} warnings`,
  );
  for (const e of errors) console.error(`  ${e}`);
  if (errors.length || (r.status ?? 0) & 2) failed = true;
}
process.exit(failed ? 1 : 0);
