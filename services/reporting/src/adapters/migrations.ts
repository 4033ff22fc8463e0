/**
 * The read model's schema: plain SQL files in services/reporting/migrations, run by the
 * platform's shared node-pg-migrate runner (shared/src/db/migrations.ts) in the service's
 * own schema, `reporting` (history in reporting.pgmigrations): one transaction, under the
 * schema's advisory lock, so concurrent runs (a deploy and a writer's first container, two
 * containers) wait for each other and apply each step once. Never edit an applied
 * migration, add the next file.
 *
 * A database migrated by the earlier home-made runner (reporting.schema_migrations lists
 * 001_reporting_schema) already holds the baseline: the first file creates only what is
 * missing, so there it is just recorded as run (see the file).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsDir as dirOrBundled, runMigrations } from '@order-platform/shared/db/migrations';
import type { Db } from './read-model';

export const SCHEMA = 'reporting';

/** The SQL files: next to the bundle in Lambda (`migrations/**` is packaged), this service's folder otherwise. */
export function migrationsDir(): string {
  return dirOrBundled(join(__dirname, '..', '..', 'migrations'));
}

/** The migrations the code declares, oldest first (file names without `.sql`). */
export function declaredMigrations(): string[] {
  return readdirSync(migrationsDir())
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();
}

/** Applies the missing migrations on a connection of the pool; returns the names it applied. */
export async function migrate(db: Db): Promise<string[]> {
  const client = await db.connect();
  let failed: Error | undefined;
  try {
    return (await runMigrations(client, { schema: SCHEMA, dir: migrationsDir() })).map((m) => m.name);
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    // node-pg-migrate set the session's search_path: put it back before the connection
    // returns to the pool (and drop the connection if that fails, or the run broke it).
    if (!failed) await client.query('RESET search_path').catch((error: Error) => (failed = error));
    client.release(failed);
  }
}

/**
 * Makes a writer wait for the schema once per container. The deploy-time custom resource
 * normally has done it already; this covers a first deploy where the stream mapping starts
 * before the migration finishes (a failed batch would burn its bounded retries). The
 * writer's package includes `migrations/**` for it.
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
