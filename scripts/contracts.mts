/**
 * The platform's contracts as documents: one OpenAPI 3.1 document per HTTP API (from
 * each service's src/http/contract.ts) and one JSON Schema per message (from
 * shared/src/events/registry.ts). Rendered through prettier with the repository's
 * settings, so the committed files pass `prettier --check` and the currency tests can
 * compare text with text.
 */
import { join } from 'node:path';
import * as prettier from 'prettier';
import { openApiDocument, type ServiceContract } from '@order-platform/shared/contracts/openapi';
import { messageContracts, messageJsonSchema } from '@order-platform/shared/events/registry';
import { contract as analytics } from '../services/analytics/src/http/contract';
import { contract as catalog } from '../services/catalog/src/http/contract';
import { contract as fulfilment } from '../services/fulfilment/src/http/contract';
import { contract as invoicing } from '../services/invoicing/src/http/contract';
import { contract as orders } from '../services/orders/src/http/contract';
import { contract as reporting } from '../services/reporting/src/http/contract';
import { contract as webhook } from '../services/webhook/src/http/contract';

export const repoRoot = join(import.meta.dirname, '..');

/** Every service with an HTTP API (a template test keeps this equal to the stacks with one). */
export const serviceContracts: readonly ServiceContract[] = [
  analytics,
  catalog,
  fulfilment,
  invoicing,
  orders,
  reporting,
  webhook,
];

async function render(path: string, value: unknown): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify(value), { ...options, filepath: path });
}

/** Each generated file, by path relative to the repository root, with its text. */
export async function contractFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const c of serviceContracts) {
    const path = `docs/openapi/${c.service}.json`;
    files.set(path, await render(join(repoRoot, path), openApiDocument(c)));
  }
  for (const m of messageContracts) {
    const path = `docs/events/${m.name}.schema.json`;
    files.set(path, await render(join(repoRoot, path), messageJsonSchema(m)));
  }
  return files;
}
