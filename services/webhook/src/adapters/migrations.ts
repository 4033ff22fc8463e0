/**
 * The payments ledger's schema migrations: plain SQL files in services/webhook/migrations,
 * run by the platform's shared node-pg-migrate runner (shared/src/db/migrations.ts) in the
 * service's own schema, `payments` (history in payments.pgmigrations). Used by the
 * deploy-time custom resource, `npm run migrate` (scripts/migrate.ts) and the component tests.
 */
import { join } from 'node:path';
import type { ClientBase, ClientConfig } from 'pg';
import {
  migrationsDir as dirOrBundled,
  runMigrations as run,
  type MigrateOptions,
} from '@order-platform/shared/db/migrations';

export { connectionFromEnv, type MigrateOptions } from '@order-platform/shared/db/migrations';

export const SCHEMA = 'payments';

/** The SQL files: next to the bundle in Lambda (`migrations/**` is packaged), this service's folder otherwise. */
export function migrationsDir(): string {
  return dirOrBundled(join(__dirname, '..', '..', 'migrations'));
}

export function runMigrations(db: string | ClientConfig | ClientBase, opts: MigrateOptions = {}) {
  return run(db, { schema: SCHEMA, dir: migrationsDir() }, opts);
}
