import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiRoute } from './openapi';

// The repository's own generated documents: what `npm run dev` serves.
const route = openApiRoute(join(__dirname, '..', '..', 'docs', 'openapi'));

describe('GET /_local/openapi', () => {
  it('lists a document per service with an HTTP API', async () => {
    const list = (await route('GET', '/_local/openapi')) as { service: string; path: string }[];
    expect(list.map((d) => d.service)).toEqual([
      'analytics',
      'catalog',
      'fulfilment',
      'invoicing',
      'orders',
      'reporting',
      'webhook',
    ]);
    expect(list[4]).toEqual({ service: 'orders', path: '/_local/openapi/orders' });
  });

  it("serves one service's OpenAPI document", async () => {
    const doc = (await route('GET', '/_local/openapi/orders')) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/orders/{orderId}');
  });

  it('leaves unknown services, other methods and other paths to the 404', () => {
    expect(route('GET', '/_local/openapi/nope')).toBeUndefined();
    expect(route('GET', '/_local/openapi/..%2Fpackage')).toBeUndefined();
    expect(route('POST', '/_local/openapi')).toBeUndefined();
    expect(route('GET', '/_local/info')).toBeUndefined();
  });

  it('lists nothing when the documents were never generated', async () => {
    expect(await openApiRoute('/nonexistent/openapi')('GET', '/_local/openapi')).toEqual([]);
  });
});
