/**
 * The layering rules of eslint.config.mjs (docs/conventions.md, "Layering") bite:
 * planted violations fail, legal imports pass. Runs ESLint's Node API on source text
 * with a path inside the repository, so the real config decides.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/src/template';

const eslint = new ESLint({ cwd: repoRoot });

async function restricted(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal)
    .map((m) => m.message);
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

describe('layering rules', () => {
  it.each([
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'DynamoDBClient', 'AWS SDK'],
    ["import type { Context } from 'aws-lambda';\nlet c: Context | undefined;", 'c', 'Lambda runtime'],
    ["import { Logger } from '@aws-lambda-powertools/logger';", 'Logger', 'Lambda runtime'],
    ["import { logger } from '@order-platform/shared/observability';", 'logger', 'infrastructure'],
    ["import { json } from '@order-platform/shared/http';", 'json', 'infrastructure'],
    ["import { sqsConsumer } from '@order-platform/shared/consumers/sqs';", 'sqsConsumer', 'infrastructure'],
    [
      "import { internalApiInvoker } from '@order-platform/shared/internal-api';",
      'internalApiInvoker',
      'infrastructure',
    ],
    ["import pg from 'pg';", 'pg', 'driver'],
    ["import { toItem } from '../adapters/orders-table';", 'toItem', 'adapter'],
    ["import { handler } from '../handlers/get-order';", 'handler', 'handler'],
  ])('domain code may not import: %s', async (imports, names, why) => {
    const messages = await restricted(imports + use(names), 'services/orders/src/domain/x.ts');
    expect(messages.length, `expected a ${why} violation`).toBe(1);
  });

  it('a service may not import another service’s internals', async () => {
    const code =
      "import { draftInvoice } from '../../../invoicing/src/domain/invoice';" + use('draftInvoice');
    expect(await restricted(code, 'services/orders/src/adapters/x.ts')).toHaveLength(1);
    expect(await restricted(code, 'services/orders/src/handlers/x.ts')).toHaveLength(1);
    expect(await restricted(code, 'services/orders/src/domain/x.test.ts')).toHaveLength(1);
    const pkg = "import { x } from '@order-platform/invoicing';" + use('x');
    expect(await restricted(pkg, 'services/orders/src/handlers/x.ts')).toHaveLength(1);
  });

  it('adapters may not import handlers', async () => {
    const code = "import { handler } from '../handlers/get-order';" + use('handler');
    expect(await restricted(code, 'services/orders/src/adapters/x.ts')).toHaveLength(1);
  });

  it('legal imports pass', async () => {
    const domain = [
      "import * as z from 'zod/mini';",
      "import { createHash } from 'node:crypto';",
      "import { ValidationError } from '@order-platform/shared/errors';",
      "import type { Principal } from '@order-platform/shared/principal';",
      "import type { Envelope } from '@order-platform/shared/events/envelope';",
      "import type { PriceLines } from './ports';",
      "import { classifyFailure } from '@order-platform/shared/consumers/failures';",
      "import { timeGuard } from '@order-platform/shared/consumers/time-guard';",
      'let p: Principal | undefined; let e: Envelope<unknown> | undefined; let l: PriceLines | undefined;',
      use('z, createHash, ValidationError, p, e, l, classifyFailure, timeGuard'),
    ].join('\n');
    expect(await restricted(domain, 'services/orders/src/domain/x.ts')).toEqual([]);
    const adapter = [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { buildCatalogClient } from '../../../catalog/src/client/catalog-client';",
      "import { order } from '../domain/order';",
      use('DynamoDBClient, buildCatalogClient, order'),
    ].join('\n');
    expect(await restricted(adapter, 'services/orders/src/adapters/x.ts')).toEqual([]);
  });

  it('exempts only test harnesses that assemble several services', async () => {
    const code = "import { ledgerEntryFor } from '../../webhook/src/domain/ledger';" + use('ledgerEntryFor');
    expect(await restricted(code, 'services/orders/tests/saga-world.ts')).toEqual([]);
    expect(
      await restricted(
        "import { newOrder } from '../../../orders/src/domain/order';" + use('newOrder'),
        'services/reporting/src/domain/order-item.contract.test.ts',
      ),
    ).toEqual([]);
  });
});
