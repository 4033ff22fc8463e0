/**
 * `npm run dev`: the whole order platform on this machine (see platform.ts).
 *
 *   npm run dev [-- --port 3000] [--provider-port 4010] [--watch] [--no-color] [--verbose] [--no-iam]
 *               [--faults <profile.json>]
 *
 * --watch repackages a stack when its code changes and the next invocations of its
 * functions start cold on the new bundle; a change to its resources needs a restart.
 * Prints where everything is, then one log stream for all services. Ctrl-C stops every
 * engine and worker it started. The addresses are also written to .local/platform.json,
 * which `npm run demo` reads.
 */
import { mkdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MissingEngineError } from '@order-platform/test-support/engines';
import { consoleSink } from './log';
import { loadPackagedTemplate } from './cfn';
import { readProfileFile } from './faults/file';
import { packageStacks, staleStacks, startPlatform, type LocalPlatform } from './platform';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    'provider-port': { type: 'string', default: '4010' },
    'no-color': { type: 'boolean', default: false },
    'no-iam': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    faults: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    `usage: npm run dev [-- --port 3000] [--provider-port 4010] [--watch] [--no-color] [--verbose] [--no-iam]\n` +
      `  --no-iam  functions call AWS without their IAM roles being enforced\n` +
      `  --faults <profile.json>  inject the faults of a profile (local/src/faults; change them at /_local/faults)\n`,
  );
  process.exit(0);
}

const root = join(__dirname, '..', '..');
const stateFile = join(root, '.local', 'platform.json');
const log = consoleSink({ color: !values['no-color'] && process.stdout.isTTY, quiet: !values.verbose });

function banner(p: LocalPlatform): string {
  const lines = [
    '',
    `The order platform is running (stage local), ready in ${(p.readyMs / 1000).toFixed(1)} s.`,
    '',
    'REST APIs (one port, one base path per service):',
    ...Object.entries(p.apis).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
    '',
    'API keys:',
    ...Object.entries(p.apiKeys).map(([name, key]) => `  ${name}: ${key}`),
    '',
    `A customer token:  TOKEN=$(npm run -s token -- --customer c-1)`,
    `Place an order:    curl -s -XPOST ${p.apis.orders}/orders -H "authorization: Bearer $TOKEN" \\`,
    `                     -H 'content-type: application/json' -H 'idempotency-key: k-1' \\`,
    `                     -d '{"currency":"EUR","lines":[{"sku":"MUG-LOGO","quantity":1}]}'`,
    `Run the scenario:  npm run demo`,
    '',
    `Simulated payment provider: ${p.provider.url} (POST /_control {"mode":"decline"|"fail"|...})`,
    ...(p.legacyStorefrontUrl
      ? [`Legacy storefront: ${p.legacyStorefrontUrl} (stand-in behind /storefront, P21)`]
      : []),
    ...(p.carrierUrl
      ? [
          `Simulated carrier: ${p.carrierUrl} (fulfilment's shipments, P16: POST /_control {"stepMs":300,"refuseCustomers":[]}, GET /_shipments?orderId=)`,
        ]
      : []),
    `Runner control:    ${p.controlUrl}/_local/info`,
    `Fault injection:   ${p.controlUrl}/_local/faults (${p.faults.current() ? `profile in force, seed ${p.faults.current()!.seed}` : 'none'}; POST a profile, DELETE to clear)`,
    `API contracts:     ${p.controlUrl}/_local/openapi (OpenAPI 3.1, one per service)`,
    `Engines:           moto ${p.engines.moto}, postgres ${p.engines.postgres}, redis ${p.engines.redis}`,
    '',
    p.iam
      ? `IAM:               every function's role is enforced (denials are logged as "iam DENIED ..."; --no-iam turns it off)`
      : 'IAM:               roles NOT enforced (--no-iam)',
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

/** Fails fast, before any engine starts, when a fixed port is taken. */
async function assertFree(port: number, what: string, flag: string): Promise<void> {
  const { createServer } = await import('node:net');
  await new Promise<void>((ok, fail) => {
    const probe = createServer();
    probe.once('error', () =>
      fail(
        new Error(
          `Port ${port} (${what}) is in use: is \`npm run dev\` already running? Choose another with ${flag}.`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => ok()));
  });
}

/** A stack's resources without what every code change alters (bundles, versions). */
function topologyOf(stack: string): string {
  const t = loadPackagedTemplate(root, stack);
  const resources = Object.entries(t.Resources)
    // osls names these after the build (a hash, a timestamp): new on every package.
    .filter(([, r]) => r.Type !== 'AWS::Lambda::Version' && r.Type !== 'AWS::ApiGateway::Deployment')
    .map(([id, r]) => [id, { ...r, Properties: { ...r.Properties, Code: undefined } }]);
  return JSON.stringify(resources);
}

/** --watch: repackage what changed, hand the new bundles to the running functions. */
function watchSources(p: LocalPlatform): void {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let again = false;
  const rebuild = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const stale = staleStacks(root, p.stacks).filter((s) => s !== '.');
      if (stale.length) {
        const before = new Map(stale.map((s) => [s, topologyOf(s)]));
        await packageStacks(root, stale, log);
        for (const stack of stale) {
          const service = `op-${stack.split('/').pop()}`;
          const functions = p.host.reload(service);
          log.line(
            'runner',
            `${service}: new code for ${functions} functions (their next invocations start cold)`,
          );
          if (topologyOf(stack) !== before.get(stack))
            log.line(
              'runner',
              `${service}: its resources or settings changed: restart npm run dev to apply them`,
            );
        }
      }
    } catch (e) {
      log.line('runner', `rebuild failed: ${(e as Error).message}`);
    }
    busy = false;
    if (again) {
      again = false;
      void rebuild();
    }
  };
  // Sources only: packaging writes and deletes build folders beside them.
  const stacks = p.stacks.filter((s) => s !== '.');
  const targets = [
    { path: 'shared/src', recursive: true },
    ...stacks.map((s) => ({ path: `${s}/src`, recursive: true })),
    ...stacks.map((s) => ({ path: `${s}/serverless.yml`, recursive: false })),
  ];
  for (const t of targets) {
    const watcher = watch(join(root, t.path), { recursive: t.recursive }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void rebuild(), 300);
    });
    watcher.on('error', (e) => log.line('runner', `watching ${t.path} stopped: ${e.message}`));
  }
  log.line('runner', `watching the sources of ${stacks.length} stacks and shared/ for changes`);
}

async function main(): Promise<void> {
  try {
    await assertFree(Number(values.port), 'REST APIs', '--port');
    await assertFree(Number(values['provider-port']), 'simulated payment provider', '--provider-port');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  let faults: unknown;
  try {
    faults = values.faults ? readProfileFile(values.faults) : undefined;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  let platform: LocalPlatform | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.line('runner', 'stopping…');
    await platform?.stop();
    rmSync(stateFile, { force: true });
    process.exit(code);
  };
  // Whatever goes wrong, the engines and workers it started are stopped.
  process.on('uncaughtException', (e) => {
    process.stderr.write(`\nThe local runner failed: ${e.stack ?? e.message}\n`);
    void stop(1);
  });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    platform = await startPlatform({
      root,
      log,
      apiPort: Number(values.port),
      providerPort: Number(values['provider-port']),
      iam: !values['no-iam'],
      ...(faults ? { faults } : {}),
    });
  } catch (e) {
    if (e instanceof MissingEngineError) process.stderr.write(`\n${e.message}\n`);
    else process.stderr.write(`\nThe platform did not start: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  }
  if (stopping) return;
  mkdirSync(join(root, '.local'), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ controlUrl: platform.controlUrl, pid: process.pid }, null, 2));
  process.stdout.write(banner(platform));
  if (values.watch) watchSources(platform);
}

void main();
