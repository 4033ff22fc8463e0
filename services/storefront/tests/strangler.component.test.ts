/**
 * P21, the route flip: the storefront API built from routes.cjs, played by the local API
 * Gateway in front of the real legacy storefront stand-in. With GET /products/{sku} still
 * on the monolith the request reaches it; after the one-line move to Lambda the same
 * request reaches the catalog function and the monolith sees nothing more of it, while
 * routes that did not move still reach the monolith.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, resolve, type Scope } from '@order-platform/test-support/cfn-intrinsics';
import { startApiGateway, type LocalApiGateway } from '../../../local/src/apigw/index';
import { FakeFunctions } from '../../../local/src/apigw/test-fixtures';
import type { LocalResource } from '../../../local/src/types';
import { SERVED_BY, startLegacyStorefront, type LegacyStorefront } from '../src/legacy-storefront';

interface Route {
  method: string;
  path: string;
  stack: string;
  function: string;
}
const routes = createRequire(import.meta.url)('../routes.cjs') as {
  MIGRATED: Route[];
  storefrontResources(
    migrated: Route[],
    o: { stage: string; legacyUrl: string },
  ): { Resources: Record<string, { Type: string; Properties?: unknown }> };
};

const STAGE = 'local';
const GET_PRODUCT_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:op-catalog-local-getProduct`;
const LIST_PRODUCTS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:op-catalog-local-listProducts`;

/** The template's resources with their intrinsics resolved, as the runner provisions them. */
function resourcesOf(migrated: Route[], legacyUrl: string): LocalResource[] {
  const { Resources } = routes.storefrontResources(migrated, { stage: STAGE, legacyUrl });
  const ids = Object.keys(Resources);
  const scope: Scope = {
    refs: new Map(ids.map((id) => [id, `${id.toLowerCase()}-id`])),
    attrs: new Map([['StorefrontApi', { RootResourceId: 'storefrontapi-root' }]]),
    exports: new Map([
      ['op-catalog-local-GetProductArn', GET_PRODUCT_ARN],
      ['op-catalog-local-ListProductsArn', LIST_PRODUCTS_ARN],
    ]),
    parameters: {},
    conditions: {},
    stackName: 'op-storefront-local',
  };
  return ids.map((id) => ({
    stack: 'services/storefront',
    service: 'op-storefront',
    logicalId: id,
    type: Resources[id]!.Type,
    properties: resolve(Resources[id]!.Properties ?? {}, scope) as Record<string, unknown>,
    physicalId: scope.refs.get(id)!,
    attributes: scope.attrs.get(id) ?? {},
  }));
}

describe('moving a route from the legacy storefront to Lambda (P21)', () => {
  let legacy: LegacyStorefront;
  const catalog = new FakeFunctions({
    'op-catalog-local-getProduct': (event: { pathParameters: { sku: string } }) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: event.pathParameters.sku, servedBy: 'catalog' }),
    }),
    'op-catalog-local-listProducts': () => ({ statusCode: 200, body: JSON.stringify({ items: [] }) }),
  });
  const gateways: LocalApiGateway[] = [];
  const gatewayFor = async (migrated: Route[]) => {
    const template = 'https://legacy-shop.example.com';
    const gw = await startApiGateway({
      resources: resourcesOf(migrated, template),
      stage: STAGE,
      functions: catalog,
      awsEndpoint: 'http://127.0.0.1:1',
      region: REGION,
      accountId: ACCOUNT,
      log: { line: () => {} },
      httpOrigins: new Map([[template, legacy.url]]),
    });
    gateways.push(gw);
    return `${gw.baseUrlOf('storefrontapi-id')}`;
  };
  const product = (base: string) => fetch(`${base}/products/MUG-LOGO`);

  beforeAll(async () => {
    legacy = await startLegacyStorefront();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await legacy.stop();
  });

  it('GET /products/{sku} leaves the monolith for the catalog function with one line of routes.cjs', async () => {
    const productPage = routes.MIGRATED.find((r) => r.path === 'products/{sku}')!;
    expect(productPage).toBeDefined();

    // Before: the route is not in the list; the monolith answers it.
    const before = await gatewayFor(routes.MIGRATED.filter((r) => r !== productPage));
    const old = await product(before);
    expect(old.status).toBe(200);
    expect(old.headers.get('x-served-by')).toBe(SERVED_BY);
    expect(await old.json()).toMatchObject({ page: 'product', sku: 'MUG-LOGO', servedBy: SERVED_BY });
    expect(legacy.requests.get('GET /products/MUG-LOGO')).toBe(1);
    expect(catalog.calls).toEqual([]);

    // After: the list as shipped; the same request reaches Lambda, not the monolith.
    const after = await gatewayFor(routes.MIGRATED);
    const moved = await product(after);
    expect(moved.status).toBe(200);
    expect(moved.headers.get('x-served-by')).toBeNull();
    expect(await moved.json()).toEqual({ sku: 'MUG-LOGO', servedBy: 'catalog' });
    expect(catalog.calls.map((c) => c.name)).toEqual(['op-catalog-local-getProduct']);
    expect(legacy.requests.get('GET /products/MUG-LOGO')).toBe(1);

    // What did not move still reaches the monolith, on the moved path's other methods too.
    const account = await fetch(`${after}/account`);
    expect([account.status, account.headers.get('x-served-by')]).toEqual([200, SERVED_BY]);
    const remove = await fetch(`${after}/products/MUG-LOGO`, { method: 'DELETE' });
    expect([remove.status, remove.headers.get('x-served-by')]).toEqual([404, SERVED_BY]);
    const home = await fetch(`${after}/`);
    expect(await home.json()).toMatchObject({ page: 'home', servedBy: SERVED_BY });
  });
});
