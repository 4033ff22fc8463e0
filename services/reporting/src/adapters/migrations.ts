/**
 * The read model's schema, as plain versioned SQL applied by a tiny runner (no migration
 * library: node-pg-migrate is not installed, and a list of SQL strings bundles into the
 * Lambda without a loader). Rules: never edit an applied migration, add the next one.
 *
 * The runner applies everything in one transaction under an advisory lock, so two
 * concurrent runs (a deploy and a test, two containers) cannot both apply a step, and a
 * failed step leaves nothing half-done (Postgres DDL is transactional).
 */
import type { Db } from './read-model';

export interface Migration {
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: '001_reporting_schema',
    sql: `
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
    `,
  },
];

export const LATEST_MIGRATION = MIGRATIONS[MIGRATIONS.length - 1]!.id;

/** Applies the missing migrations; returns the ids it applied. */
export async function migrate(db: Db): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('reporting.migrations', 0))`);
    await client.query('CREATE SCHEMA IF NOT EXISTS reporting');
    await client.query(
      'CREATE TABLE IF NOT EXISTS reporting.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ id: string }>('SELECT id FROM reporting.schema_migrations')).rows.map(
        (r) => r.id,
      ),
    );
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO reporting.schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Makes a writer wait for the schema once per container. The deploy-time custom resource
 * normally has done it already; this covers a first deploy where the stream mapping starts
 * before the migration finishes (a failed batch would burn its bounded retries).
 */
export function withSchema<A extends unknown[], R>(
  db: Db,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let ready: Promise<unknown> | undefined;
  return async (...args) => {
    ready ??= migrate(db).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    await ready;
    return fn(...args);
  };
}
