/**
 * Schema migrations with node-pg-migrate (programmatic API). The migrations are plain
 * SQL files in services/webhook/migrations (`-- Up Migration` / `-- Down Migration`),
 * applied in one transaction under node-pg-migrate's advisory lock, and recorded in
 * payments.pgmigrations: the service's tables live in its own schema, so sharing the
 * platform's Postgres with the reporting service never mixes their histories.
 * Used by `npm run migrate` (scripts/migrate.ts) and by the component tests.
 */
import { join } from 'node:path';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { runner } from 'node-pg-migrate';
import type { ClientBase, ClientConfig } from 'pg';
import { pgSettingsFromEnv } from '@order-platform/shared/db/postgres';

export const SCHEMA = 'payments';

/**
 * Where the SQL files are: next to the bundle in Lambda (the migrate function's package
 * includes `migrations/**`), the service folder otherwise. Resolved on use, not at import,
 * because a CommonJS bundle has no `import.meta.url`.
 */
export function migrationsDir(): string {
  if (process.env.MIGRATIONS_DIR) return process.env.MIGRATIONS_DIR;
  if (process.env.LAMBDA_TASK_ROOT) return join(process.env.LAMBDA_TASK_ROOT, 'migrations');
  return join(__dirname, '..', '..', 'migrations');
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
    dir: migrationsDir(),
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
