/**
 * The e2e project's global setup: finds the platform for the chosen target
 * (target.ts) and hands its endpoints to the tests. For `local` it starts the whole
 * platform once for the run (engines, stacks, functions) and stops it afterwards; its
 * log stream goes to .local/e2e-platform.log.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { consoleSink } from '../../local/src/log';
import type { PlatformEndpoints } from './client';
import { deployedEndpoints, endpointsOfPlatform, repoRoot, targetName } from './target';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: string;
  }
}

export default async function setup(project: TestProject) {
  const target = targetName();
  let endpoints: PlatformEndpoints;
  let stop: (() => Promise<void>) | undefined;
  if (target === 'local') {
    const { startPlatform } = await import('../../local/src/platform');
    const logFile = join(repoRoot, '.local', 'e2e-platform.log');
    mkdirSync(join(repoRoot, '.local'), { recursive: true });
    writeFileSync(logFile, '');
    const log = consoleSink({ write: (t) => appendFileSync(logFile, t) });
    // IAM is enforced as in `npm run dev`; E2E_IAM=off runs the suite as `--no-iam` does.
    const iam = process.env.E2E_IAM !== 'off';
    const platform = await startPlatform({ log, apiPort: 0, providerPort: 0, iam });
    endpoints = endpointsOfPlatform(platform);
    stop = async () => {
      // Every function's role was enforced (local/src/iam): say what the run asked of IAM.
      if (platform.iam) {
        const { allowed, denied, unchecked } = platform.iam.stats;
        const summary = `IAM gateway: ${allowed} calls allowed, ${denied} denied, ${unchecked} forwarded unchecked (unsigned, admin key or unmapped service)`;
        log.line('iam', summary);
        process.stdout.write(`\n${summary}\n`);
        for (const d of platform.iam.denials)
          process.stdout.write(`  DENIED ${d.functionName}: ${d.check.action} on ${d.check.resource}\n`);
      }
      for (const d of platform.resourceDenials)
        process.stdout.write(`  DENIED ${d.principal} -> ${d.target} from ${d.sourceArn}: ${d.reason}\n`);
      const denials = platform.iam?.denials ?? [];
      const refused = [...platform.resourceDenials];
      await platform.stop();
      // A delivery a resource policy refuses (no Lambda permission, no queue policy) fails
      // the run too: the deployed stack would lose it.
      if (refused.length)
        throw new Error(
          `resource policies refused ${refused.length} deliveries: ${refused
            .map((d) => `${d.principal} -> ${d.target} from ${d.sourceArn}`)
            .join('; ')}`,
        );
      // A denied call fails the run even when the scenario tolerated the error (a relay
      // that retries later, a best-effort publish): it would fail the same way in AWS.
      if (denials.length)
        throw new Error(
          `IAM denied ${denials.length} call(s) a function made: ${denials
            .map((d) => `${d.functionName}: ${d.check.action} on ${d.check.resource}`)
            .join('; ')}`,
        );
    };
  } else {
    if (target === 'localstack') {
      process.env.AWS_ENDPOINT_URL ??= 'http://localhost:4566';
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    }
    process.env.AWS_REGION ??= 'us-east-1';
    endpoints = await deployedEndpoints(target);
  }
  project.provide('endpoints', JSON.stringify(endpoints));
  return async () => {
    await stop?.();
  };
}
