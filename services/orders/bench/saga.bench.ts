/**
 * Saga end-to-end latency on this machine: the packaged ASL executed locally with real
 * handlers over moto, the simulated provider approving at once (confirmation webhook
 * after 0 ms). Measures from the start of the execution (OrderPlaced in) to its end
 * (order CONFIRMED), N executions one after another, and writes a section of
 * docs/benchmarks.md.
 *
 *   npm run bench:saga            (SAGA_RUNS=100 by default)
 *
 * It runs under vitest (project "bench", never part of `npm test`) because the handlers'
 * ESM-only dependencies (middy) need vitest's module loader outside a bundle.
 */
import { it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto } from '../../../test-support/src/engines';
import { startSerialGate } from '../../../test-support/src/serial-gate';
import { repoRoot } from '../../../test-support/src/template';

const runs = Number(process.env.SAGA_RUNS ?? 100);

it(`saga latency over ${runs} executions`, { timeout: 60 * 60_000 }, async () => {
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_DEV: 'true',
  });
  const gate = await startSerialGate(moto.url);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;

  const { startSagaWorld, newSku } = await import('../tests/saga-world');
  const world = await startSagaWorld({ confirmationTimeoutSeconds: 30 });
  world.provider.control({ mode: 'approve', confirmDelayMs: 0 });
  const sku = newSku();
  await world.setStock(sku, 1_000_000);

  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const latencies: number[] = [];
  let failures = 0;
  try {
    // Warm-up: the first execution pays module and connection set-up.
    await world.runSaga(await world.placeOrder([{ sku, quantity: 1, unitPrice: 100 }]));
    for (let i = 0; i < runs; i++) {
      const order = await world.placeOrder([{ sku, quantity: 1, unitPrice: 100 }]);
      const started = performance.now();
      const result = await world.runSaga(order);
      const ms = performance.now() - started;
      const status = (result.output as { status?: string } | undefined)?.status;
      if (status !== 'CONFIRMED') failures++;
      else latencies.push(ms);
      if ((i + 1) % 20 === 0) console.log(`${i + 1}/${runs}`);
    }
  } finally {
    await world.stop();
    await gate.stop();
    await moto.stop();
  }

  latencies.sort((a, b) => a - b);
  const section = `<!-- bench:saga:start -->
## Order saga, end to end

${new Date().toISOString().slice(0, 10)}, Node ${process.version}, this repository's 2-core machine. The packaged state
machine executed by aws-local-stepfunctions with every Task bound to its real handler (orders, inventory, payments) over
moto_server (DynamoDB through the serial gate), the simulated provider approving at once and its signed confirmation
delivered through the real resume handler. ${runs} executions one after another after one warm-up; time from the start of the
execution to the order being CONFIRMED. Command: \`SAGA_RUNS=${runs} npm run bench:saga\`.

| executions | confirmed | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
| ${runs} | ${latencies.length} | ${pct(latencies, 50).toFixed(1)} ms | ${pct(latencies, 95).toFixed(1)} ms | ${pct(latencies, 99).toFixed(1)} ms | ${latencies.at(-1)!.toFixed(1)} ms |

What this measures is the saga's own work (9 task invocations, ~20 DynamoDB calls, 2 HTTP calls to the provider, one
webhook) on local engines; in AWS each Lambda invocation and state transition adds tens of milliseconds, and the
provider's real confirmation delay dominates.
<!-- bench:saga:end -->`;

  const file = join(repoRoot, 'docs', 'benchmarks.md');
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const next = doc.includes('<!-- bench:saga:start -->')
    ? doc.replace(/<!-- bench:saga:start -->[\s\S]*<!-- bench:saga:end -->/, section)
    : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  console.log(section);
  if (failures) throw new Error(`${failures} executions did not confirm`);
});
