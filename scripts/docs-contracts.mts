/**
 * npm run docs:contracts: writes docs/openapi/<service>.json and
 * docs/events/<name>.schema.json from the zod schemas (scripts/contracts.ts), and
 * removes generated files whose contract is gone. `--check` writes nothing and fails
 * when a file is missing, stale or orphaned (tests/contracts.unit.test.ts does the same).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contractFiles, repoRoot } from './contracts.mjs';

const check = process.argv.includes('--check');

async function main(): Promise<void> {
  const files = await contractFiles();
  const stale: string[] = [];
  for (const [path, text] of files) {
    const abs = join(repoRoot, path);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === text) continue;
    stale.push(path);
    if (!check) {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
  }
  for (const dir of ['docs/openapi', 'docs/events']) {
    if (!existsSync(join(repoRoot, dir))) continue;
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = `${dir}/${name}`;
      if (files.has(path)) continue;
      stale.push(path);
      if (!check) rmSync(join(repoRoot, path));
    }
  }
  if (check && stale.length) {
    console.error(`Out of date: ${stale.join(', ')}. Run: npm run docs:contracts`);
    process.exit(1);
  }
  console.log(
    check ? 'contracts up to date' : `${files.size} contract documents, ${stale.length} written or removed`,
  );
}

void main();
