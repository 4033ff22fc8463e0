// The deployable stacks, in deployment order (each may import exports of the ones before).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

const ORDER = [
  '.',
  'services/auth',
  'services/billing-notifier',
  'services/inventory',
  'services/catalog',
  // The shop's entry imports the catalog functions it routes to (P21).
  'services/storefront',
  'services/payments',
  'services/receipts',
  // Before orders: the order view links the fulfilment API (op-fulfilment-<stage>-ApiUrl).
  'services/fulfilment',
  'services/orders',
  'services/webhook',
  // Before reporting: the dashboard imports op-invoicing-<stage>-ApiUrl (the billing API).
  'services/invoicing',
  'services/reporting',
  'services/accounting',
];

export function stacks() {
  const found = readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'services', d.name, 'serverless.yml')))
    .map((d) => `services/${d.name}`);
  const all = ['.', ...found];
  const rank = (s) => (ORDER.indexOf(s) === -1 ? ORDER.length : ORDER.indexOf(s));
  return all
    .filter((s) => existsSync(join(root, s, 'serverless.yml')))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Stacks whose production stage has another shape: the API released gradually through an
 * alias and CodeDeploy (P30). `npm run package:release` packages them for RELEASE_STAGE
 * into .serverless-prod, which cfn-lint and the template tests read beside the dev package.
 */
export const RELEASE_STAGE = 'prod';
export const RELEASE_OUT = '.serverless-prod';
export function releaseStacks() {
  return stacks().filter((s) =>
    /^\s*-\s*serverless-plugin-canary-deployments\s*$/m.test(
      readFileSync(join(root, s, 'serverless.yml'), 'utf8'),
    ),
  );
}
