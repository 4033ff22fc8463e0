/**
 * Schema migrations with node-pg-migrate (programmatic API), run the same way by every
 * service that owns a Postgres schema (webhook: `payments`, reporting: `reporting`):
 *
 * - plain SQL files in services/<name>/migrations (`-- Up Migration` / `-- Down Migration`),
 *   named `<timestamp>_<what>.sql`; never edit an applied one, add the next;
 * - applied in one transaction (a failed step leaves nothing half-done: Postgres DDL is
 *   transactional), with `checkOrder` (a file older than the last applied one fails);
 * - recorded in `<schema>.pgmigrations`: each service's history lives in its own schema,
 *   so services sharing the platform's Postgres never mix them;
 * - under an advisory lock of the schema's own (not node-pg-migrate's one global id):
 *   concurrent runs of one service wait for each other (a deploy and a writer's first
 *   container, two containers), and different services never block each other.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { runner } from 'node-pg-migrate';
import type { ClientBase, ClientConfig } from 'pg';
import { pgSettingsFromEnv } from './postgres';

/** What node-pg-migrate reports for each migration it ran (path, name, timestamp). */
export type RanMigration = Awaited<ReturnType<typeof runner>>[number];

export interface MigrationSet {
  /** The service's schema: where its tables and its `pgmigrations` history live. */
  schema: string;
  /** The folder of SQL files (see migrationsDir). */
  dir: string;
}

/**
 * Where a service's SQL files are: next to the bundle in Lambda (the function's package
 * includes `migrations/**`), `fallback` otherwise (the service folder, from the adapter's
 * own location). Resolved on use, not at import: a CommonJS bundle has no `import.meta.url`.
 */
export function migrationsDir(fallback: string): string {
  if (process.env.MIGRATIONS_DIR) return process.env.MIGRATIONS_DIR;
  if (process.env.LAMBDA_TASK_ROOT) return join(process.env.LAMBDA_TASK_ROOT, 'migrations');
  return fallback;
}

/** The connection from the platform's settings: DATABASE_URL, or RDS Proxy + the DB secret. */
export async function connectionFromEnv(): Promise<string | ClientConfig> {
  const settings = pgSettingsFromEnv();
  if (settings.connectionString) return settings.connectionString;
  const secret = await getSecret<{ username: string; password: string }>(settings.secretArn!, {
    transform: 'json',
  });
  if (!secret?.username || !secret.password)
    throw new Error(`Secret ${settings.secretArn} lacks username/password`);
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: secret.username,
    password: secret.password,
    ...(settings.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
  };
}

/** A stable advisory lock id per schema (fits a JavaScript number and Postgres' bigint). */
export function lockValueFor(schema: string): number {
  return Number.parseInt(createHash('sha256').update(`migrations:${schema}`).digest('hex').slice(0, 12), 16);
}

export interface MigrateOptions {
  direction?: 'up' | 'down';
  /** How many migrations to run (default: all pending up, one down). */
  count?: number;
  dryRun?: boolean;
  log?: (message: string) => void;
}

/**
 * Runs a service's migrations against a connection (URL or config: a client of its own,
 * closed at the end) or a client the caller owns (left open; node-pg-migrate sets its
 * search_path to the schema). Returns the migrations it ran.
 */
export async function runMigrations(
  db: string | ClientConfig | ClientBase,
  set: MigrationSet,
  opts: MigrateOptions = {},
): Promise<RanMigration[]> {
  const connection =
    typeof db === 'object' && 'query' in db
      ? { dbClient: db as ClientBase }
      : { databaseUrl: db as string | ClientConfig };
  const direction = opts.direction ?? 'up';
  return runner({
    ...connection,
    dir: set.dir,
    direction,
    ...(opts.count !== undefined ? { count: opts.count } : direction === 'down' ? { count: 1 } : {}),
    schema: set.schema,
    createSchema: true,
    migrationsSchema: set.schema,
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    lockValue: lockValueFor(set.schema),
    advisoryLockMode: 'wait',
    dryRun: opts.dryRun ?? false,
    log: opts.log ?? (() => undefined),
  });
}
