/**
 * The read model's deploy-time migration run from the packaged artifact itself (as the
 * webhook's ledger migration is tested): the migrate function's zip is unpacked as Lambda
 * would, its bundle loaded with LAMBDA_TASK_ROOT pointing at it, and invoked with a
 * CloudFormation event against a real Postgres. Proves the bundle carries node-pg-migrate
 * and the SQL files travel in the zip (package.patterns in serverless.yml).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../../../test-support/src/aws';
import { createDatabase } from '../../../test-support/src/engines';
import { startPackagedMigrate, type PackagedMigrate } from '../../../test-support/src/packaged-migrate';
import { repoRoot } from '../../../test-support/src/template';
import { declaredMigrations } from '../src/adapters/migrations';

const packaged = join(repoRoot, 'services/reporting/.serverless');
let migrate: PackagedMigrate;

beforeAll(async () => {
  migrate = await startPackagedMigrate({
    stack: 'services/reporting',
    logicalId: 'ReportingSchema',
    resourceType: 'Custom::ReportingSchema',
    physicalId: 'reporting-schema',
    properties: { SchemaVersion: declaredMigrations().at(-1)! },
  });
});

afterAll(async () => {
  await migrate?.close();
});

describe('deploy-time migrations (packaged migrate function)', () => {
  it('ships the SQL with the functions that run it (migrate, and the projector for withSchema)', () => {
    for (const fn of ['migrate', 'projectOrders']) {
      const listing = execFileSync('unzip', ['-Z1', join(packaged, `${fn}.zip`)], { encoding: 'utf8' });
      expect(
        listing
          .split('\n')
          .filter((f) => f.startsWith('migrations/'))
          .sort(),
        fn,
      ).toEqual(declaredMigrations().map((m) => `migrations/${m}.sql`));
    }
  });

  it('creates the read model from the SQL shipped in the zip, then finds nothing to do', async () => {
    const url = await createDatabase(inject('postgresUrl'), `rpt_pkg_${uniqueName('db').slice(3, 11)}`);
    await migrate.run('Create', url);
    await migrate.run('Update', url);
    const { responses } = migrate;
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(responses.map((r) => (r.Data as { Applied: string }).Applied)).toEqual([
      declaredMigrations().join(','),
      '',
    ]);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const tables = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting' ORDER BY 1`,
      );
      expect(tables.rows.map((t) => t.table_name)).toEqual([
        'customer_summaries',
        'daily_sales',
        'order_lines',
        'orders',
        'pgmigrations',
      ]);
    } finally {
      await db.end();
    }
  });
});
