/**
 * npm run migrate -- [up|down] [--count N] [--dry-run]
 *
 * Applies the webhook service's migrations (services/webhook/migrations) with
 * node-pg-migrate. Connection: DATABASE_URL, or DB_HOST/DB_PORT/DB_NAME + DB_SECRET_ARN
 * (the same settings the functions use; run it from a host that reaches the database,
 * e.g. the CI runner in the VPC or a bastion).
 */
import { parseArgs } from 'node:util';
import { connectionFromEnv, runMigrations } from '../src/adapters/migrations';

const HELP = `Usage: npm run migrate -- [up|down] [--count N] [--dry-run]
  up (default)   apply every pending migration
  down           revert the last migration (or --count N)
Connection: DATABASE_URL, or DB_HOST, DB_PORT, DB_NAME and DB_SECRET_ARN (Secrets Manager, {username,password}).`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const direction = positionals[0] ?? 'up';
  if (direction !== 'up' && direction !== 'down')
    throw new Error(`Unknown direction "${direction}"\n${HELP}`);
  const db = await connectionFromEnv();
  const ran = await runMigrations(db, {
    direction,
    ...(values.count ? { count: Number(values.count) } : {}),
    dryRun: values['dry-run'] ?? false,
    log: (m) => console.log(m),
  });
  console.log(
    `${direction}: ${ran.length} migration(s) ${values['dry-run'] ? 'would run' : 'ran'}${ran.length ? `: ${ran.map((m) => m.name).join(', ')}` : ''}`,
  );
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
