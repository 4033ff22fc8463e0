/**
 * The deploy-time migration (a CloudFormation custom resource) run from the packaged
 * artifact itself: the migrate function's zip is unpacked as Lambda would, its bundle
 * loaded with LAMBDA_TASK_ROOT pointing at it, and invoked with a CloudFormation event
 * against a real Postgres. The answer goes to a local stand-in for the pre-signed S3 URL.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../../test-support/src/engines';
import { startPackagedMigrate, type PackagedMigrate } from '../../../test-support/src/packaged-migrate';
import { query, uid } from './helpers';

let migrate: PackagedMigrate;

beforeAll(async () => {
  migrate = await startPackagedMigrate({
    stack: 'services/webhook',
    logicalId: 'LedgerSchema',
    resourceType: 'Custom::PaymentsLedgerSchema',
    physicalId: 'payments-ledger-schema',
    properties: { Version: '1764800000000_order-outcomes-and-reconciliation' },
  });
});

afterAll(async () => {
  await migrate?.close();
});

describe('deploy-time migrations (packaged migrate function)', () => {
  it('creates the ledger schema from the SQL shipped in the zip, then finds nothing to do', async () => {
    const url = await createDatabase(inject('postgresUrl'), `migrate_${uid()}`);
    await migrate.run('Create', url);
    await migrate.run('Update', url);
    const { responses } = migrate;
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect((responses[0]!.Data as { Applied: string }).Applied).toBe(
      '1763800000000_payments-ledger,1764800000000_order-outcomes-and-reconciliation',
    );
    expect((responses[1]!.Data as { Applied: string }).Applied).toBe('');
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'payments'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['pgmigrations']));
    expect(tables.length).toBeGreaterThan(1);
  });

  it('answers FAILED, not silence, when the database cannot be reached', async () => {
    const last = await migrate.run('Update', 'postgres://nobody@127.0.0.1:1/none');
    expect(last.Status).toBe('FAILED');
    expect(String(last.Reason)).toMatch(/Migration failed/);
  });
});
