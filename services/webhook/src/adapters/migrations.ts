/**
 * Schema migrations with node-pg-migrate (programmatic API). The migrations are plain
 * SQL files in services/webhook/migrations (`-- Up Migration` / `-- Down Migration`),
 * applied in one transaction under node-pg-migrate's advisory lock, and recorded in
 * payments.pgmigrations: the service's tables live in its own schema, so sharing the
 * platform's Postgres with the reporting service never mixes their histories.
 * Used by `npm run migrate` (scripts/migrate.ts) and by the component tests.
 */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { ClientBase, ClientConfig } from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
export const SCHEMA = 'payments';

export interface MigrateOptions {
  direction?: 'up' | 'down';
  /** How many migrations to run (default: all pending up, one down). */
  count?: number;
  dryRun?: boolean;
  log?: (message: string) => void;
}

export async function runMigrations(db: string | ClientConfig | ClientBase, opts: MigrateOptions = {}) {
  const connection =
    typeof db === 'object' && 'query' in db
      ? { dbClient: db as ClientBase }
      : { databaseUrl: db as string | ClientConfig };
  const direction = opts.direction ?? 'up';
  return runner({
    ...connection,
    dir: MIGRATIONS_DIR,
    direction,
    ...(opts.count !== undefined ? { count: opts.count } : direction === 'down' ? { count: 1 } : {}),
    schema: SCHEMA,
    createSchema: true,
    migrationsSchema: SCHEMA,
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    dryRun: opts.dryRun ?? false,
    log: opts.log ?? (() => undefined),
  });
}
