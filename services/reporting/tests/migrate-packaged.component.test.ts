/**
 * The read model's deploy-time migration run from the packaged artifact itself (as the
 * webhook's ledger migration is tested): the migrate function's zip is unpacked as Lambda
 * would, its bundle loaded with LAMBDA_TASK_ROOT pointing at it, and invoked with a
 * CloudFormation event against a real Postgres. Proves the bundle carries node-pg-migrate
 * and the SQL files travel in the zip (package.patterns in serverless.yml).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { createDatabase } from '../../../test-support/src/engines';
import { repoRoot } from '../../../test-support/src/template';
import { declaredMigrations } from '../src/adapters/migrations';

type Handler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void>;

const packaged = join(repoRoot, 'services/reporting/.serverless');
let taskRoot: string;
let responder: Server;
let responderUrl: string;
const responses: Record<string, unknown>[] = [];

beforeAll(async () => {
  const zip = join(packaged, 'migrate.zip');
  if (!existsSync(zip)) throw new Error(`No packaged ${zip}. Run "npm run package" first (npm test does).`);
  taskRoot = mkdtempSync(join(tmpdir(), 'lambda-rpt-migrate-'));
  execFileSync('unzip', ['-q', zip, '-d', taskRoot]);
  responder = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => responder.listen(0, '127.0.0.1', r));
  responderUrl = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/presigned`;
});

afterAll(async () => {
  await new Promise((r) => responder?.close(r));
  if (taskRoot) rmSync(taskRoot, { recursive: true, force: true });
});

const cfnEvent = (RequestType: 'Create' | 'Update'): CloudFormationCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:op-reporting-dev-migrate',
    ResponseURL: responderUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/op-reporting-dev/1',
    RequestId: uniqueName('req'),
    LogicalResourceId: 'ReportingSchema',
    ResourceType: 'Custom::ReportingSchema',
    ResourceProperties: { ServiceToken: 'x', SchemaVersion: declaredMigrations().at(-1)! },
    ...(RequestType === 'Update'
      ? { PhysicalResourceId: 'reporting-schema', OldResourceProperties: {} }
      : {}),
  }) as CloudFormationCustomResourceEvent;

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
    process.env.DATABASE_URL = url;
    process.env.LAMBDA_TASK_ROOT = taskRoot;
    try {
      const handler = createRequire(import.meta.url)(join(taskRoot, 'src/handlers/migrate.js'))
        .handler as Handler;
      await handler(cfnEvent('Create'), lambdaContext() as unknown as Context);
      await handler(cfnEvent('Update'), lambdaContext() as unknown as Context);
    } finally {
      delete process.env.LAMBDA_TASK_ROOT;
    }
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
