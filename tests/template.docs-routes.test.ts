/**
 * The README's route table is generated from the packaged templates: every route listed
 * exists in a template, and every route of every template is listed (the whole table must
 * equal what scripts/docs-routes.mjs renders from the templates now).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/src/template';

describe('the README route table', () => {
  it('is exactly the routes of the packaged templates', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'docs-routes.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('names a route of each kind of authentication', async () => {
    const { readFileSync } = await import('node:fs');
    const table = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('<!-- routes:start -->')[1]!;
    for (const auth of ['token (gatekeeper)', 'API key (x-api-key)', 'signature (Payment-Signature)', 'none'])
      expect(table).toContain(auth);
  });
});
