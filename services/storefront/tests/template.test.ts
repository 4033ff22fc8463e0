/**
 * P21: the storefront API in its packaged template, derived from routes.cjs. Each
 * migrated route is a Lambda proxy to the function its stack exports, with the permission
 * for this API only; every path also falls back to the legacy storefront; the monolith
 * gets everything else through `ANY /{proxy+}`.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadTemplate, resourcesOfType } from '@order-platform/test-support/template';
import { routesOf } from '../../../scripts/routes.mjs';

const { MIGRATED } = createRequire(import.meta.url)('../routes.cjs') as {
  MIGRATED: { method: string; path: string; stack: string; function: string }[];
};
const t = loadTemplate('services/storefront');
const routes = routesOf(t).map((r) => `${r.method} ${r.path}`);
const flat = (v: unknown) => JSON.stringify(v);

describe('storefront template (P21)', () => {
  it('serves each migrated route from the function its stack exports, and nothing else from Lambda', () => {
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').map(([, m]) => m.Properties!);
    const lambda = methods.filter((m) => m.Integration.Type === 'AWS_PROXY');
    expect(lambda).toHaveLength(MIGRATED.length);
    for (const r of MIGRATED) {
      expect(routes).toContain(`${r.method} /${r.path}`);
      expect(flat(lambda)).toContain(`op-${r.stack}-dev-${r.function}`);
    }
  });

  it('falls back to the legacy storefront on every path, the root and anything unknown', () => {
    const legacy = resourcesOfType(t, 'AWS::ApiGateway::Method')
      .map(([, m]) => m.Properties!)
      .filter((m) => m.Integration.Type === 'HTTP_PROXY');
    const paths = new Set(['/', '/{proxy+}', ...MIGRATED.map((r) => `/${r.path}`)]);
    expect(routes.filter((r) => r.startsWith('ANY ')).sort()).toEqual(
      [...paths].map((p) => `ANY ${p}`).sort(),
    );
    for (const m of legacy) expect(m.Integration.Uri).toMatch(/^https:\/\/legacy-shop\.example\.com\//);
  });

  it('lets only this API invoke the migrated functions, on their own method and path', () => {
    const permissions = resourcesOfType(t, 'AWS::Lambda::Permission').map(([, p]) => p.Properties!);
    expect(permissions).toHaveLength(MIGRATED.length);
    for (const p of permissions) {
      expect(p.Principal).toBe('apigateway.amazonaws.com');
      expect(flat(p.SourceArn)).toContain('${StorefrontApi}/*/GET/products');
    }
  });

  it('deploys the API again whenever the routes change', () => {
    const ids = resourcesOfType(t, 'AWS::ApiGateway::Deployment').map(([id]) => id);
    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    expect(id).toMatch(/^StorefrontDeployment[0-9a-f]{10}$/);
    expect(t.Resources.StorefrontStage!.Properties!.DeploymentId).toEqual({ Ref: id });
  });
});
