/**
 * The deploy-time migration (custom resource) against a real, empty Postgres database,
 * answering CloudFormation on a real local HTTP server standing in for the presigned URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaContext, uniqueName } from '../../../test-support/src/aws';
import { createDatabase } from '../../../test-support/src/engines';
import { LATEST_MIGRATION, MIGRATIONS } from '../src/adapters/migrations';

let server: Server;
let responseUrl: string;
const responses: { method: string; contentType: string | undefined; body: Record<string, unknown> }[] = [];
let pool: pg.Pool;
let makeHandler: (typeof import('../src/handlers/migrate'))['makeHandler'];

const event = (RequestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:op-reporting-dev-migrate',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/op-reporting-dev/1',
    RequestId: uniqueName('req'),
    LogicalResourceId: 'ReportingSchema',
    ResourceType: 'Custom::ReportingSchema',
    ResourceProperties: { ServiceToken: 'x', SchemaVersion: LATEST_MIGRATION },
    ...(RequestType === 'Create'
      ? {}
      : { PhysicalResourceId: 'reporting-schema', OldResourceProperties: {} }),
  }) as CloudFormationCustomResourceEvent;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      responses.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(raw),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?signature=x`;
  const url = await createDatabase(inject('postgresUrl'), `rpt_migrate_${uniqueName('db').slice(3, 11)}`);
  pool = new pg.Pool({ connectionString: url, max: 2 });
  process.env.DATABASE_URL = url;
  makeHandler = (await import('../src/handlers/migrate')).makeHandler;
});

afterAll(async () => {
  await pool?.end();
  await new Promise((r) => server?.close(r));
});

describe('migrate (custom resource)', () => {
  it('creates the schema on Create, applies nothing more on Update, and leaves data on Delete', async () => {
    const handler = makeHandler({ db: pool });
    const ctx = lambdaContext() as unknown as Context;

    await handler(event('Create'), ctx);
    await handler(event('Update'), ctx);
    await handler(event('Delete'), ctx);

    expect(
      responses.map((r) => [r.method, r.body.Status, (r.body.Data as { Applied: string }).Applied]),
    ).toEqual([
      ['PUT', 'SUCCESS', MIGRATIONS.map((m) => m.id).join(',')],
      ['PUT', 'SUCCESS', ''],
      ['PUT', 'SUCCESS', ''],
    ]);
    expect(responses[0]!.body).toMatchObject({
      PhysicalResourceId: 'reporting-schema',
      LogicalResourceId: 'ReportingSchema',
    });
    // Presigned S3 URLs are signed without a content type.
    expect(responses[0]!.contentType ?? '').toBe('');
    const tables = await pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'customer_summaries',
      'daily_sales',
      'order_lines',
      'orders',
      'schema_migrations',
    ]);
  });

  it('applies each migration once even when two runs race', async () => {
    const url = await createDatabase(inject('postgresUrl'), `rpt_race_${uniqueName('db').slice(3, 11)}`);
    const racePool = new pg.Pool({ connectionString: url, max: 4 });
    const { migrate } = await import('../src/adapters/migrations');
    try {
      const results = await Promise.all([migrate(racePool), migrate(racePool), migrate(racePool)]);
      expect(results.flat()).toEqual([LATEST_MIGRATION]);
    } finally {
      await racePool.end();
    }
  });

  it('answers FAILED (instead of leaving the stack waiting) when the database is unreachable', async () => {
    const unreachable = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:9/none',
      connectionTimeoutMillis: 300,
    });
    responses.length = 0;

    await makeHandler({ db: unreachable })(event('Create'), lambdaContext() as unknown as Context);

    expect(responses).toHaveLength(1);
    expect(responses[0]!.body).toMatchObject({ Status: 'FAILED' });
    expect(String(responses[0]!.body.Reason)).toMatch(/^Migration failed/);
    await unreachable.end();
  });
});
