/**
 * The small chaos profile (local/src/faults/profiles/ci.json): every kind of fault the
 * local platform injects, over a few dozen orders of every kind, then the reconciliation
 * check. Zero violations, every DLQ message explained by an injected fault.
 *
 * It runs on a platform of its own (started here, stopped here), never on the one the
 * other e2e files share: a Postgres outage, a tripped breaker or a duplicate delivery
 * cannot leak into their assertions, whatever order the files run in. Local target only.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSink } from '../../local/src/log';
import { startPlatform, type LocalPlatform } from '../../local/src/platform';
import { chaosPassed, formatChaos, runChaos } from '../src/chaos';
import { PlatformClient } from '../src/client';
import { endpointsOfPlatform, repoRoot, targetName } from '../src/target';

const local = targetName() === 'local';
const profile = JSON.parse(
  readFileSync(join(repoRoot, 'local', 'src', 'faults', 'profiles', 'ci.json'), 'utf8'),
) as Record<string, unknown>;

describe.runIf(local)('chaos: the small CI profile on a platform of its own', () => {
  let platform: LocalPlatform;
  let client: PlatformClient;

  beforeAll(async () => {
    const logFile = join(repoRoot, '.local', 'e2e-chaos-platform.log');
    mkdirSync(join(repoRoot, '.local'), { recursive: true });
    writeFileSync(logFile, '');
    platform = await startPlatform({
      log: consoleSink({ write: (t) => appendFileSync(logFile, t) }),
      apiPort: 0,
      providerPort: 0,
      iam: process.env.E2E_IAM !== 'off',
      // Async-invoke retries after 5 and 10 s, not Lambda's one and two minutes: the run
      // must end in CI time; what is retried and where failures go is unchanged.
      asyncRetryDelaysMs: [5_000, 10_000],
    });
    client = new PlatformClient(endpointsOfPlatform(platform));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('every fault is injected, nothing is lost or done twice, every DLQ message is explained', async () => {
    // Act
    const report = await runChaos(client, {
      orders: 24,
      seed: 15,
      profile,
      spreadMs: 45_000,
      freshPlatform: true,
      timeoutMs: 240_000,
      log: (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(`\n${formatChaos(report)}\n`);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.deadLetters.filter((d) => !d.explainedBy)).toEqual([]);
    expect(chaosPassed(report)).toBe(true);
    for (const kind of [
      'handler-error',
      'latency',
      'timeout',
      'environment-killed',
      'duplicate-delivery',
      'early-redelivery',
      'postgres-outage',
      'redis-outage',
      'provider-outage',
      'carrier-outage',
      'aws-outage',
      'aws-error',
    ])
      expect(report.faults[kind], kind).toBeGreaterThan(0);
    // Orders got through to the carrier under its faults, each line once.
    expect(report.fulfilment.fulfilled).toBeGreaterThan(0);
    expect(report.fulfilment.shipments).toBeGreaterThan(0);
    expect(Object.keys(report.byKind).sort()).toEqual(
      ['approve', 'cancel', 'client-retry', 'decline', 'last-unit', 'out-of-stock'].sort(),
    );
    // The platform is left healthy: no faults in force, no IAM denial caused by the run.
    expect(platform.faults.current()).toBeUndefined();
    expect(platform.iam?.denials ?? []).toEqual([]);
  }, 400_000);
});
