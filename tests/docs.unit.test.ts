/** The pattern table in README.md and docs/patterns.md is generated and its links resolve. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/src/template';

describe('pattern documentation', () => {
  it('is up to date and every linked code and proof path exists', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'docs-patterns.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has one row for every P and X id of the catalog', async () => {
    const { patterns, practices } = await import('../docs/patterns.data.mjs');
    const ids = [...patterns, ...practices].map((p: { id: string }) => p.id);
    const expected = [
      ...Array.from({ length: 32 }, (_, i) => `P${String(i + 1).padStart(2, '0')}`),
      ...Array.from({ length: 12 }, (_, i) => `X${i + 1}`),
    ];
    expect(ids).toEqual(expected);
  });
});

describe('the README', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('reads in the order a newcomer needs: the two commands, the patterns, one order followed', () => {
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections.slice(0, 3)).toEqual(['The two commands', 'The patterns', 'Follow one order']);
  });

  it('links only files that exist, each named with its service', () => {
    const links = [
      ...readme.matchAll(/\]\(((?:services|shared|integration-tests|tests|local|docs|scripts)\/[^)#\s]+)/g),
    ];
    expect(links.length).toBeGreaterThan(50);
    for (const [, path] of links) expect(existsSync(join(repoRoot, path!)), path).toBe(true);
    // A link text such as [tests/template.test.ts] hides which of twelve services it means.
    expect(readme).not.toMatch(/\[(?:tests|src|handlers|adapters|domain)\/[^\]]*\]\(services\//);
  });
});
