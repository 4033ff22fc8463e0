/**
 * `npm run demo`: plays the end-to-end scenarios (src/scenarios.ts) against the running
 * platform and prints, pattern by pattern, what happened and how long it took.
 *
 *   npm run dev            # in one terminal
 *   npm run demo           # in another; exits non-zero if any step did not behave
 *
 * E2E_TARGET=localstack or =<stage> plays it against deployed stacks instead (some steps
 * need the local runner and are reported as not played there).
 */
import { PlatformClient } from './src/client';
import { reconcileRun } from './src/reconcile';
import { scenarios } from './src/scenarios';
import { attachToLocal, deployedEndpoints, targetName } from './src/target';

const tty = process.stdout.isTTY;
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

async function main(): Promise<number> {
  const target = targetName();
  const endpoints = target === 'local' ? await attachToLocal() : await deployedEndpoints(target);
  const client = new PlatformClient(endpoints);
  process.stdout.write(
    `Order platform demo against ${target}: ${Object.values(endpoints.apis).join(', ')}\n\n`,
  );
  let failed = 0;
  const started = Date.now();
  for (const [i, s] of scenarios.entries()) {
    process.stdout.write(`${i + 1}. ${s.name}\n`);
    if (s.localOnly && target !== 'local') {
      process.stdout.write(dim('   not played: needs the local runner\n\n'));
      continue;
    }
    const t0 = Date.now();
    try {
      await s.run(client, (step) =>
        process.stdout.write(
          `   ${green('✔')} ${step.patterns.padEnd(22)} ${step.what}${step.ms !== undefined ? dim(` (${step.ms} ms)`) : ''}\n`,
        ),
      );
      process.stdout.write(dim(`   done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n\n`));
    } catch (e) {
      failed++;
      process.stdout.write(`   ${red('✘')} ${(e as Error).message}\n\n`);
    }
  }
  if (target === 'local') {
    // The demo's own orders: money, reservations, invoices and receipts must add up. (DLQs
    // and SKU stock totals are left out: on a long-lived platform your own experiments
    // and earlier runs hold messages and stock too.)
    process.stdout.write(`${scenarios.length + 1}. reconciliation: every order the demo placed adds up\n`);
    const t0 = Date.now();
    const report = await reconcileRun(client, { deadLetters: false, stockTotals: false, timeoutMs: 150_000 });
    for (const line of report.checked) process.stdout.write(`   ${green('✔')} ${line}\n`);
    for (const v of report.violations) process.stdout.write(`   ${red('✘')} ${v}\n`);
    if (report.violations.length) failed++;
    process.stdout.write(dim(`   done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n\n`));
  }
  const total = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    failed === 0
      ? green(`All ${scenarios.length} scenarios behaved (${total} s).\n`)
      : red(`${failed} of ${scenarios.length} scenarios did not behave (${total} s).\n`),
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  },
);
