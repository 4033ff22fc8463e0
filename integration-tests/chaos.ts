/**
 * `npm run chaos`: the platform under a fault profile, then the reconciliation check.
 *
 *   npm run chaos -- --orders 100 --seed 7 [--profile local/src/faults/profiles/ci.json]
 *                    [--over <seconds>] [--concurrency 4] [--timeout 1200] [--control <url>] [--start]
 *
 * Against the running `npm run dev` (its .local/platform.json, or --control <url>), or,
 * with --start or when none runs, a platform it starts itself (stock totals are then
 * checked against the seeded catalog, and async-invoke retries wait 5 and 10 s instead of
 * Lambda's one and two minutes). Orders are placed over --over seconds (default: until
 * the profile's last outage window ends, so every window falls among them). Prints the
 * table of src/chaos.ts; exits 1 on any violation or unexplained DLQ message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosPassed, formatChaos, runChaos } from './src/chaos';
import { PlatformClient, call } from './src/client';
import {
  attachToLocal,
  endpointsFromInfo,
  endpointsOfPlatform,
  repoRoot,
  type LocalInfo,
} from './src/target';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    profile: {
      type: 'string',
      default: join(repoRoot, 'local', 'src', 'faults', 'profiles', 'default.json'),
    },
    over: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '1200' },
    control: { type: 'string' },
    start: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

async function main(): Promise<number> {
  if (values.help) {
    process.stdout.write(
      'usage: npm run chaos -- --orders N --seed S [--profile P] [--over s] [--concurrency n] [--timeout s] [--control url] [--start]\n',
    );
    return 0;
  }
  const { readProfileFile } = await import('../local/src/faults/file');
  const profile = readProfileFile(values.profile);
  const lastWindowEnd = Math.max(
    0,
    ...[
      ...profile.engines.postgres,
      ...profile.engines.redis,
      ...profile.provider,
      ...profile.carrier,
      ...profile.aws,
    ].map((w) => w.atMs + w.forMs),
  );
  const spreadMs = values.over !== undefined ? Number(values.over) * 1000 : lastWindowEnd;

  let stop: (() => Promise<void>) | undefined;
  let client: PlatformClient;
  const running = existsSync(join(repoRoot, '.local', 'platform.json'));
  if (values.control) {
    const info = await call<LocalInfo>(`${values.control}/_local/info`);
    client = new PlatformClient(endpointsFromInfo(info.body, values.control));
  } else if (running && !values.start) {
    client = new PlatformClient(await attachToLocal());
  } else {
    const { startPlatform } = await import('../local/src/platform');
    const { consoleSink } = await import('../local/src/log');
    const { appendFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const logFile = join(repoRoot, '.local', 'chaos-platform.log');
    mkdirSync(join(repoRoot, '.local'), { recursive: true });
    writeFileSync(logFile, '');
    process.stdout.write(`starting a platform for the run (its log: ${logFile})\n`);
    const platform = await startPlatform({
      log: consoleSink({ write: (t) => appendFileSync(logFile, t) }),
      apiPort: 0,
      providerPort: 0,
      asyncRetryDelaysMs: [5_000, 10_000],
    });
    stop = () => platform.stop();
    client = new PlatformClient(endpointsOfPlatform(platform));
    // Interrupted: the engines it started (moto, Postgres, Redis) go with it.
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: stopping the platform this run started\n`);
        void platform.stop().finally(() => process.exit(130));
      });
  }
  try {
    const report = await runChaos(client, {
      orders: Number(values.orders),
      seed: Number(values.seed),
      profile: JSON.parse(readFileSync(values.profile, 'utf8')) as Record<string, unknown>,
      spreadMs,
      concurrency: Number(values.concurrency),
      freshPlatform: !!stop,
      timeoutMs: Number(values.timeout) * 1000,
      log: (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(`\n${formatChaos(report)}\n`);
    return chaosPassed(report) ? 0 : 1;
  } finally {
    await stop?.();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`chaos run failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
