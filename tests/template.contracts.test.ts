/**
 * The OpenAPI documents describe the deployed APIs: for every stack with an HTTP API,
 * the document's paths, methods and authentication equal the routes of its packaged
 * template (read by the same code as the README's route table, scripts/routes.mjs), and
 * no document describes an API that no stack deploys.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate, repoRoot } from '../test-support/src/template';
import { routesOf, type Route } from '../scripts/routes.mjs';

/** The template's words for an authentication, in the OpenAPI documents' scheme names. */
const SCHEME: Record<Route['auth'], string> = {
  'token (gatekeeper)': 'bearer',
  'API key (x-api-key)': 'apiKey',
  'signature (Payment-Signature)': 'signature',
  none: 'none',
};

const stacksWithApis = readdirSync(join(repoRoot, 'services'))
  .filter((s) => existsSync(join(repoRoot, 'services', s, 'serverless.yml')))
  .filter((s) => loadTemplate(`services/${s}`).Outputs?.ServiceEndpoint)
  .sort();

interface Operation {
  security: Record<string, string[]>[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const documented = (service: string): Doc =>
  JSON.parse(readFileSync(join(repoRoot, 'docs', 'openapi', `${service}.json`), 'utf8')) as Doc;

describe('OpenAPI documents against the packaged templates', () => {
  it('exist for exactly the stacks with an HTTP API', () => {
    const docs = readdirSync(join(repoRoot, 'docs', 'openapi'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect(stacksWithApis.length).toBeGreaterThan(0);
    expect(docs).toEqual(stacksWithApis);
  });

  it.each(stacksWithApis)('%s: the same routes, each with the same authentication', (service) => {
    const deployed = routesOf(loadTemplate(`services/${service}`))
      .map((r) => `${r.method} ${r.path} ${SCHEME[r.auth]}`)
      .sort();
    const described = Object.entries(documented(service).paths)
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(
          ([method, op]) =>
            `${method.toUpperCase()} ${path} ${Object.keys(op.security[0] ?? {})[0] ?? 'none'}`,
        ),
      )
      .sort();
    expect(described).toEqual(deployed);
  });
});
