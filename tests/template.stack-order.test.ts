/**
 * Template layer, across stacks: the deployment order (scripts/stacks.mjs, used by
 * `npm run deploy`, the packagers and the local runner) deploys every stack after the
 * stacks whose exports it imports. A new `Fn::ImportValue` of a later stack fails here,
 * not halfway through a first deploy.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate, repoRoot, type CfnTemplate } from '../test-support/src/template';

function importsOf(t: CfnTemplate): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === 'Fn::ImportValue' && typeof inner === 'string') found.add(inner);
        else walk(inner);
      }
    }
  };
  walk(t.Resources);
  walk(t.Outputs ?? {});
  return found;
}

function exportsOf(t: CfnTemplate): string[] {
  return Object.values(t.Outputs ?? {})
    .map((o) => o.Export?.Name)
    .filter((n): n is string => typeof n === 'string');
}

describe('deployment order (scripts/stacks.mjs)', () => {
  it('deploys every stack after the stacks it imports from', async () => {
    const { stacks } = (await import(join(repoRoot, 'scripts', 'stacks.mjs'))) as { stacks: () => string[] };
    const order = stacks();
    const exported = new Set<string>();
    const late: string[] = [];
    for (const stack of order) {
      const t = loadTemplate(stack);
      for (const name of importsOf(t))
        if (!exported.has(name)) late.push(`${stack} imports ${name}, which no earlier stack exports`);
      for (const name of exportsOf(t)) exported.add(name);
    }
    expect(late).toEqual([]);
  });

  it('deploys invoicing (the billing API) before reporting (its dashboard imports the API URL)', async () => {
    const { stacks } = (await import(join(repoRoot, 'scripts', 'stacks.mjs'))) as { stacks: () => string[] };
    const order = stacks();
    expect(order.indexOf('services/invoicing')).toBeLessThan(order.indexOf('services/reporting'));
  });
});
