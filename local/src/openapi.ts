/**
 * The runner's control endpoint serves the platform's OpenAPI documents
 * (docs/openapi/, written by `npm run docs:contracts`), so a client or a tool pointed at
 * the local platform finds each API's contract beside it:
 *   GET /_local/openapi            the list: [{ service, path }]
 *   GET /_local/openapi/<service>  that service's document
 * Read on every request: a regenerated document shows without restarting the runner.
 * An unknown service answers nothing here, so the control server's 404 applies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type OpenApiRoute = (method: string, path: string) => Promise<unknown> | undefined;

export function openApiRoute(docsDir: string): OpenApiRoute {
  const services = () =>
    existsSync(docsDir)
      ? readdirSync(docsDir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -'.json'.length))
          .sort()
      : [];
  return (method, path) => {
    if (method !== 'GET') return undefined;
    if (path === '/_local/openapi')
      return Promise.resolve(services().map((service) => ({ service, path: `/_local/openapi/${service}` })));
    const m = /^\/_local\/openapi\/([a-z0-9-]+)$/.exec(path);
    if (!m || !services().includes(m[1]!)) return undefined;
    return Promise.resolve(JSON.parse(readFileSync(join(docsDir, `${m[1]}.json`), 'utf8')) as unknown);
  };
}
