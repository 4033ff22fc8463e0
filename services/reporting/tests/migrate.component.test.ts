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
import { declaredMigrations, migrate } from '../src/adapters/migrations';

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
    ResourceProperties: { ServiceToken: 'x', SchemaVersion: declaredMigrations().at(-1)! },
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
      ['PUT', 'SUCCESS', declaredMigrations().join(',')],
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
      'pgmigrations',
    ]);
  });

  it('applies each migration once even when two runs race', async () => {
    const url = await createDatabase(inject('postgresUrl'), `rpt_race_${uniqueName('db').slice(3, 11)}`);
    const racePool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const results = await Promise.all([migrate(racePool), migrate(racePool), migrate(racePool)]);
      expect(results.flat()).toEqual(declaredMigrations());
    } finally {
      await racePool.end();
    }
  });

  it('takes over a database the earlier home-made runner migrated: same schema, data kept', async () => {
    const oldUrl = await createDatabase(inject('postgresUrl'), `rpt_old_${uniqueName('db').slice(3, 11)}`);
    const newUrl = await createDatabase(inject('postgresUrl'), `rpt_new_${uniqueName('db').slice(3, 11)}`);
    const oldPool = new pg.Pool({ connectionString: oldUrl, max: 2 });
    const newPool = new pg.Pool({ connectionString: newUrl, max: 2 });
    try {
      // What the old runner left: its migration, its history table, and data.
      await oldPool.query('CREATE SCHEMA reporting');
      await oldPool.query(OLD_RUNNER_001_SQL);
      await oldPool.query(
        'CREATE TABLE reporting.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await oldPool.query(`INSERT INTO reporting.schema_migrations (id) VALUES ('001_reporting_schema')`);
      await oldPool.query(
        `INSERT INTO reporting.orders VALUES ('o-1', 'c-1', 'CONFIRMED', 'EUR', 1200, 2, '2026-01-02', now(), now(), 3, false)`,
      );

      // The baseline is recorded as run and changes nothing; a second run applies nothing.
      expect(await migrate(oldPool)).toEqual(declaredMigrations());
      expect(await migrate(oldPool)).toEqual([]);
      expect((await oldPool.query('SELECT order_id, version FROM reporting.orders')).rows).toEqual([
        { order_id: 'o-1', version: 3 },
      ]);
      // The old runner's table stays (unread): a rollback to the old code still sees 001 applied.
      expect((await oldPool.query('SELECT id FROM reporting.schema_migrations')).rows).toEqual([
        { id: '001_reporting_schema' },
      ]);

      // And the schema is the one a fresh database gets.
      await migrate(newPool);
      expect(await schemaOf(oldPool)).toEqual(await schemaOf(newPool));
    } finally {
      await oldPool.end();
      await newPool.end();
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

/** The read model's columns, constraints and indexes (migration bookkeeping aside), comparable across databases. */
async function schemaOf(db: pg.Pool) {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default
       FROM information_schema.columns
      WHERE table_schema = 'reporting' AND table_name NOT IN ('pgmigrations', 'schema_migrations')
      ORDER BY table_name, ordinal_position`,
  );
  const constraints = await db.query(
    `SELECT conrelid::regclass::text AS on_table, conname, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE connamespace = 'reporting'::regnamespace
        AND conrelid::regclass::text NOT IN ('reporting.pgmigrations', 'reporting.schema_migrations')
      ORDER BY 1, 2`,
  );
  const indexes = await db.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'reporting' AND tablename NOT IN ('pgmigrations', 'schema_migrations')
      ORDER BY 1, 2`,
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}

/** Migration 001 exactly as the earlier home-made runner applied it (src/adapters/migrations.ts before node-pg-migrate). */
const OLD_RUNNER_001_SQL = `
      CREATE TABLE reporting.orders (
        order_id    text PRIMARY KEY,
        customer_id text NOT NULL,
        status      text NOT NULL,
        currency    text NOT NULL,
        total       bigint NOT NULL,              -- minor units
        units       integer NOT NULL,
        order_date  date NOT NULL,                -- UTC day of createdAt: the day a sale counts for
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        version     integer NOT NULL,             -- the producer's write counter: the guard
        deleted     boolean NOT NULL DEFAULT false
      );
      CREATE INDEX orders_by_day ON reporting.orders (order_date);
      CREATE INDEX orders_by_customer ON reporting.orders (customer_id);

      CREATE TABLE reporting.order_lines (
        order_id   text NOT NULL REFERENCES reporting.orders (order_id) ON DELETE CASCADE,
        sku        text NOT NULL,
        quantity   integer NOT NULL,
        unit_price bigint NOT NULL,
        PRIMARY KEY (order_id, sku)
      );
      CREATE INDEX order_lines_by_sku ON reporting.order_lines (sku);

      -- Aggregates: always recomputed from reporting.orders, never incremented.
      CREATE TABLE reporting.daily_sales (
        day               date NOT NULL,
        currency          text NOT NULL,
        orders            integer NOT NULL,
        units             integer NOT NULL,
        revenue           bigint NOT NULL,
        last_order_update timestamptz NOT NULL,
        PRIMARY KEY (day, currency)
      );

      CREATE TABLE reporting.customer_summaries (
        customer_id       text NOT NULL,
        currency          text NOT NULL,
        orders            integer NOT NULL,
        confirmed         integer NOT NULL,
        cancelled         integer NOT NULL,
        failed            integer NOT NULL,
        spent             bigint NOT NULL,        -- confirmed orders only
        first_order_at    timestamptz NOT NULL,
        last_order_at     timestamptz NOT NULL,
        last_order_update timestamptz NOT NULL,
        PRIMARY KEY (customer_id, currency)
      );
    `;
