#!/usr/bin/env node
// `npm run bench`: for every function of every stack, the minified bundle size (and gzip)
// and the module import time in a fresh Node process, next to the same handler unbundled
// (npm packages resolved by Node at run time), checked against the budgets of the issue;
// writes the `bench:bundles` section of docs/benchmarks.md and leaves the rest alone.
//
// Environment:
//   BENCH_RUNS=15      timed imports per variant and function (>= 10 for the doc; fewer is a dev run)
//   BENCH_ONLY=a,b     only these stacks (as listed by scripts/stacks.mjs, e.g. services/orders)
//   BENCH_COMPARE=0    skip the before/after comparison of the esbuild alias (default chain vs shim)
//   BENCH_PROOF=0      skip the moto_server proof of the credential shim
//   BENCH_OUT=path     write the markdown there instead of docs/benchmarks.md
//
// Runs strictly one process at a time so that timings are not distorted by the bench itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildBundle, externalNpmPackages, probeImport, stats, unbundledOptions } from '../bench/build.mjs';
import { proveCredentialShim } from '../bench/credential-shim-proof.mjs';
import { readStack, stackLabel } from '../bench/serverless-config.mjs';
import { root, stacks } from './stacks.mjs';

const BUDGET = { workerKB: 150, httpOneClientKB: 350, workerImportMs: 60 };
const KB = 1024;
const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '15', 10) || 15);
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const COMPARE = process.env.BENCH_COMPARE !== '0';
const PROOF = process.env.BENCH_PROOF !== '0';
const OUT = process.env.BENCH_OUT ?? join(root, 'docs', 'benchmarks.md');
const START = '<!-- bench:bundles:start -->';
const END = '<!-- bench:bundles:end -->';
const ALIASED = '@aws-sdk/credential-provider-node';

const localNode = join(root, 'node_modules', '.bin', 'node');
const NODE = existsSync(localNode) ? localNode : process.execPath;
const PROBE = join(root, 'bench', 'import-probe.cjs');
const bundledDir = mkdtempSync(join(tmpdir(), 'bench-bundles-')); // outside the repo: a bundle must need no node_modules
const unbundledDir = join(root, '.tmp', 'bench', 'unbundled'); // inside the repo: Node resolves node_modules from here
const refDir = join(root, '.tmp', 'bench', 'ref');
// Build outputs are minified artefacts: gone when the bench exits, however it exits, so
// linters and other tools never see them.
process.on('exit', () => {
  for (const dir of [bundledDir, unbundledDir, refDir]) rmSync(dir, { recursive: true, force: true });
});

const kb = (bytes) => (bytes / KB).toFixed(1);
const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const slug = (s) => (s === '.' ? 'platform' : s.replace(/[^A-Za-z0-9]+/g, '-'));
const log = (...a) => console.log(...a);
const loadSamples = [];

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || cpus().length;
  const nodeVersion = execFileSync(NODE, ['-v'], { encoding: 'utf8' }).trim();
  let esbuildVersion = 'unknown';
  try {
    esbuildVersion = JSON.parse(
      readFileSync(join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
    ).version;
  } catch {
    // informational only
  }
  return {
    model,
    cores,
    nodeVersion,
    esbuildVersion,
    memGB: (totalmem() / 2 ** 30).toFixed(1),
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** The environment a function's module scope sees in Lambda, with dummies for deploy-time values. */
function lambdaEnv(stack, fn, bundlePath) {
  const { NODE_OPTIONS: _drop, ...declared } = fn.env; // no --enable-source-maps: sourcemaps are off for the measurement
  const short = stack.service.replace(/^op-/, '');
  return {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: dirname(bundlePath),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHFAKE',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
    AWS_SESSION_TOKEN: 'bench-fake-session-token',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_LAMBDA_FUNCTION_NAME: `${stack.service}-dev-${fn.name}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize ?? 1024),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${stack.service}-dev-${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'bench',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    POWERTOOLS_SERVICE_NAME: short,
    POWERTOOLS_METRICS_NAMESPACE: 'OrderPlatform',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...declared,
  };
}

const SDK_RE = /^@(aws-sdk|smithy|aws-crypto)\//;
const POWERTOOLS_RE = /^@aws-lambda-powertools\//;
const sumWhere = (byPackage, re) =>
  Object.entries(byPackage).reduce((s, [p, b]) => (re.test(p) ? s + b : s), 0);
const topPackages = (byPackage, n = 3) =>
  Object.entries(byPackage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

function budgetFor(r) {
  if (!r.bundled) return { verdict: 'FAIL', reasons: ['build failed'] };
  if (!r.importOk) return { verdict: 'FAIL', reasons: ['throws at import'] };
  const reasons = [];
  if (r.kind === 'worker') {
    if (r.bundled.bytes > BUDGET.workerKB * KB)
      reasons.push(`size ${kb(r.bundled.bytes)} > ${BUDGET.workerKB} KB`);
    if (r.import.median > BUDGET.workerImportMs)
      reasons.push(`import ${ms(r.import.median)} > ${BUDGET.workerImportMs} ms`);
    return {
      verdict: reasons.length ? 'MISS' : 'pass',
      reasons,
      limit: `≤ ${BUDGET.workerKB} KB, ≤ ${BUDGET.workerImportMs} ms`,
    };
  }
  if (r.bundled.sdkClients.length <= 1) {
    if (r.bundled.bytes > BUDGET.httpOneClientKB * KB)
      reasons.push(`size ${kb(r.bundled.bytes)} > ${BUDGET.httpOneClientKB} KB`);
    return { verdict: reasons.length ? 'MISS' : 'pass', reasons, limit: `≤ ${BUDGET.httpOneClientKB} KB` };
  }
  return {
    verdict: 'n/a',
    reasons: [`${r.bundled.sdkClients.length} SDK clients: the issue sets no budget`],
  };
}

function timeVariants(variants) {
  // One discarded warm-up each (file-system cache), then rounds that interleave the
  // variants so that drift in machine load hits them alike.
  for (const v of variants)
    probeImport({
      node: NODE,
      probe: PROBE,
      file: v.file,
      exportName: v.exportName,
      env: v.env,
      cwd: dirname(v.file),
    });
  const samples = variants.map(() => []);
  const cpuSamples = variants.map(() => []);
  const errors = variants.map(() => undefined);
  const load = loadavg()[0];
  loadSamples.push(load);
  for (let i = 0; i < RUNS; i++) {
    variants.forEach((v, j) => {
      const r = probeImport({
        node: NODE,
        probe: PROBE,
        file: v.file,
        exportName: v.exportName,
        env: v.env,
        cwd: dirname(v.file),
      });
      if (r.ok) {
        samples[j].push(r.ms);
        cpuSamples[j].push(r.cpuMs);
      } else errors[j] ??= r.error;
    });
  }
  return variants.map((_, j) => ({
    ...stats(samples[j]),
    cpu: stats(cpuSamples[j]),
    load,
    error: errors[j],
    ok: !errors[j] && samples[j].length === RUNS,
  }));
}

async function benchFunction(stack, fn) {
  const r = { stack: stack.stack, name: fn.name, kind: fn.kind, events: fn.events, dummied: fn.dummied };
  if (!fn.file) {
    r.error = fn.handler
      ? `handler file not found: ${relative(root, fn.tried ?? '')}`
      : 'no handler (image or non-Node function)';
    return r;
  }
  r.entry = relative(root, fn.file);
  const base = join(bundledDir, slug(stack.stack), fn.name);
  try {
    r.bundled = await buildBundle({
      entry: fn.file,
      stackDir: stack.stackDir,
      options: stack.esbuild,
      outfile: `${base}.js`,
    });
    r.bundledFile = `${base}.js`;
  } catch (error) {
    r.error = `build failed: ${String(error.message).split('\n').slice(0, 3).join(' ')}`;
    return r;
  }
  const variants = [{ key: 'bundled', file: r.bundledFile }];
  if (COMPARE && stack.esbuild.alias?.[ALIASED] && r.bundled.sdkClients.length) {
    const { alias, ...rest } = stack.esbuild;
    const others = Object.fromEntries(Object.entries(alias).filter(([k]) => k !== ALIASED));
    try {
      r.defaultChain = await buildBundle({
        entry: fn.file,
        stackDir: stack.stackDir,
        options: { ...rest, ...(Object.keys(others).length ? { alias: others } : {}) },
        outfile: `${base}.default-chain.js`,
      });
      variants.push({ key: 'defaultChain', file: `${base}.default-chain.js` });
    } catch (error) {
      r.defaultChainError = String(error.message).split('\n')[0];
    }
  }
  try {
    const file = join(unbundledDir, slug(stack.stack), `${fn.name}.mjs`);
    r.unbundled = await buildBundle({
      entry: fn.file,
      stackDir: stack.stackDir,
      options: unbundledOptions(stack.esbuild),
      outfile: file,
      plugins: [externalNpmPackages],
    });
    variants.push({ key: 'unbundled', file });
  } catch (error) {
    r.unbundledError = String(error.message).split('\n')[0];
  }
  const timed = timeVariants(
    variants.map((v) => ({ ...v, exportName: fn.exportName, env: lambdaEnv(stack, fn, v.file) })),
  );
  variants.forEach((v, i) => {
    if (v.key === 'bundled') r.import = timed[i];
    else r[`${v.key}Import`] = timed[i];
  });
  r.importOk = r.import.ok;
  return r;
}

// Synthetic entries that show the floor a budget has to fit over.
const REFERENCES = [
  {
    name: 'bare DynamoDBClient',
    code: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nconst client = new DynamoDBClient({});\nexport const handler = async () => client.config.serviceId;\n`,
  },
  {
    name: 'bare SQSClient',
    code: `import { SQSClient } from '@aws-sdk/client-sqs';\nconst client = new SQSClient({});\nexport const handler = async () => client.config.serviceId;\n`,
  },
  {
    name: 'bare EventBridgeClient',
    code: `import { EventBridgeClient } from '@aws-sdk/client-eventbridge';\nconst client = new EventBridgeClient({});\nexport const handler = async () => client.config.serviceId;\n`,
  },
  {
    name: 'observability wrapper only',
    code: `import { withObservability } from '@order-platform/shared/observability';\nexport const handler = withObservability(async () => 'ok');\n`,
  },
];

async function benchReferences(esbuildOptions) {
  mkdirSync(refDir, { recursive: true });
  const out = [];
  for (const ref of REFERENCES) {
    const entry = join(refDir, `${slug(ref.name)}.ts`);
    writeFileSync(entry, ref.code);
    const base = join(bundledDir, 'ref', slug(ref.name));
    const row = { name: ref.name };
    try {
      row.bundled = await buildBundle({
        entry,
        stackDir: root,
        options: esbuildOptions,
        outfile: `${base}.js`,
      });
      const variants = [{ key: 'bundled', file: `${base}.js` }];
      if (COMPARE && esbuildOptions.alias?.[ALIASED] && row.bundled.sdkClients.length) {
        const { alias: _a, ...rest } = esbuildOptions;
        row.defaultChain = await buildBundle({
          entry,
          stackDir: root,
          options: rest,
          outfile: `${base}.default-chain.js`,
        });
        variants.push({ key: 'defaultChain', file: `${base}.default-chain.js` });
      }
      const env = lambdaEnv({ service: 'op-bench' }, { name: 'ref', env: {} }, `${base}.js`);
      const timed = timeVariants(variants.map((v) => ({ ...v, exportName: 'handler', env })));
      row.import = timed[0];
      row.defaultChainImport = timed[1];
    } catch (error) {
      row.error = String(error.message).split('\n')[0];
    }
    out.push(row);
    log(
      `  reference ${ref.name}: ${row.bundled ? `${kb(row.bundled.bytes)} KB, import ${ms(row.import?.median)} ms` : row.error}`,
    );
  }
  return out;
}

// ---------- markdown ----------

function importCell(t) {
  if (!t) return 'n/a';
  if (!t.ok) return `**throws**: ${t.error ?? 'no samples'}`;
  return `${ms(t.median)} (${ms(t.p90)})`;
}

function stackTable(rows) {
  const head =
    '| function | kind | SDK clients | bundle KB (min) | gzip KB | import ms median (p90) | import CPU ms median | unbundled import ms median | budget |\n|---|---|---|--:|--:|--:|--:|--:|---|';
  const lines = rows.map((r) => {
    if (r.error)
      return `| ${r.name} | ${r.kind} (${r.events}) | ? | – | – | – | – | – | **FAIL**: ${r.error} |`;
    const b = budgetFor(r);
    const verdict =
      b.verdict === 'pass'
        ? `pass (${b.limit})`
        : b.verdict === 'MISS'
          ? `**MISS**: ${b.reasons.join('; ')}`
          : b.verdict === 'FAIL'
            ? `**FAIL**: ${b.reasons.join('; ')}`
            : `n/a: ${b.reasons.join('; ')}`;
    const clients = r.bundled.sdkClients.length
      ? `${r.bundled.sdkClients.length} (${r.bundled.sdkClients.join(', ')})`
      : '0';
    const unb = r.unbundledImport
      ? r.unbundledImport.ok
        ? ms(r.unbundledImport.median)
        : `**throws**: ${r.unbundledImport.error}`
      : `n/a${r.unbundledError ? `: ${r.unbundledError}` : ''}`;
    return `| ${r.name} | ${r.kind} (${r.events}) | ${clients} | ${kb(r.bundled.bytes)} | ${kb(r.bundled.gzipBytes)} | ${importCell(r.import)} | ${r.import?.ok ? ms(r.import.cpu.median) : '–'} | ${unb} | ${verdict} |`;
  });
  return [head, ...lines].join('\n');
}

let cores = 1;
const limitKB = (r) =>
  r.kind === 'worker'
    ? BUDGET.workerKB
    : r.bundled.sdkClients.length <= 1
      ? BUDGET.httpOneClientKB
      : Infinity;

/** The "budget misses and why" list: a computed preface, then one line per miss or failure. */
function missNotes(results, references) {
  const notes = [];
  const measured = results.filter((r) => r.bundled && r.importOk);
  const misses = results.filter((r) => !r.error && budgetFor(r).verdict === 'MISS');
  const sizeMisses = misses.filter((r) => r.bundled.bytes > limitKB(r) * KB);
  const workerImportMisses = misses.filter(
    (r) => r.kind === 'worker' && r.import.median > BUDGET.workerImportMs,
  );
  const floor = references.filter((x) => x.bundled && x.import?.ok && x.bundled.sdkClients.length);
  const workers = measured.filter((r) => r.kind === 'worker');
  if (floor.length && workers.length) {
    const minKB = Math.min(...floor.map((x) => x.bundled.bytes));
    const minWall = Math.min(...floor.map((x) => x.import.median));
    const minCpu = Math.min(...floor.map((x) => x.import.cpu.median));
    const withClient = workers.filter((r) => r.bundled.sdkClients.length);
    const noClient = workers.filter((r) => !r.bundled.sdkClients.length);
    const unbundledBoth = measured.filter((r) => r.unbundledImport?.ok);
    const unbundledSlower = unbundledBoth.filter((r) => r.unbundledImport.median > r.import.median);
    const obs = references.find((x) => x.name === 'observability wrapper only' && x.import?.ok);
    const sizeText =
      minKB > BUDGET.workerKB * KB
        ? `already bundles to ${kb(minKB)} KB or more, over the ${BUDGET.workerKB} KB budget before any code of ours`
        : `bundles to ${kb(minKB)} KB, leaving ${kb(BUDGET.workerKB * KB - minKB)} KB for everything else`;
    const importText =
      minWall > BUDGET.workerImportMs
        ? `and imports in ${ms(minWall)} ms or more (${ms(minCpu)} ms CPU), over ${BUDGET.workerImportMs} ms on its own`
        : `and imports in ${ms(minWall)} ms (${ms(minCpu)} ms CPU) at best, leaving ${ms(BUDGET.workerImportMs - minWall)} ms of the ${BUDGET.workerImportMs} ms for Powertools, middy, zod and our code${obs ? ` (the observability wrapper alone: ${ms(obs.import.median)} ms)` : ''}`;
    notes.push(
      `**Why the worker budgets miss**: ${withClient.length} of ${workers.length} workers call AWS through at least one SDK client, and one bare client constructed at module scope (reference points) ${sizeText}, ${importText}. With a bundled SDK v3 the worker budgets can only be met by workers without a client${noClient.length ? ` (${noClient.map((r) => `${stackLabel(r.stack)} / ${r.name}`).join(', ')}; they still have to avoid heavy drivers)` : ' (there are none)'}. Shipping the SDK unbundled is not the way out: the unbundled variant imports slower for ${unbundledSlower.length} of ${unbundledBoth.length} functions measured both ways. What is left to decide is the budget (or an SDK-free transport for the hottest workers), not more bundle tuning; the largest removable piece, the default credential chain, is already gone (below).`,
      '',
    );
  }
  const http = sizeMisses.filter((r) => r.kind === 'http');
  if (http.length) {
    const extra = {};
    for (const r of http) {
      for (const [p, bytes] of Object.entries(r.bundled.byPackage)) {
        if (SDK_RE.test(p) || POWERTOOLS_RE.test(p) || p.startsWith('(')) continue;
        extra[p] = Math.max(extra[p] ?? 0, bytes);
      }
    }
    const biggest = topPackages(extra, 4)
      .map(([p, bytes]) => `${p} (up to ${kb(bytes)} KB)`)
      .join(', ');
    notes.push(
      `**Why the HTTP size misses** (${http.length}): they carry more than one SDK client's worth; the largest non-SDK, non-Powertools packages among them are ${biggest}.`,
      '',
    );
  }
  notes.push(
    `Misses: ${sizeMisses.length} on size, ${workerImportMisses.length} on worker import time. Top 3 packages of each (bytes in the minified bundle):`,
    '',
  );
  for (const r of results) {
    if (r.error) {
      notes.push(`- **${stackLabel(r.stack)} / ${r.name}**: could not be measured: ${r.error}.`);
      continue;
    }
    const b = budgetFor(r);
    if (b.verdict === 'FAIL') {
      notes.push(
        `- **${stackLabel(r.stack)} / ${r.name}**: throws at import: \`${r.import?.error ?? 'build failed'}\` (dummy values for: ${r.dummied.join(', ') || 'none'}).`,
      );
      continue;
    }
    if (b.verdict !== 'MISS') continue;
    const sdk = sumWhere(r.bundled.byPackage, SDK_RE);
    const pt = sumWhere(r.bundled.byPackage, POWERTOOLS_RE);
    const top = topPackages(r.bundled.byPackage)
      .map(([p, bytes]) => `${p} ${kb(bytes)}`)
      .join(', ');
    const parts = [
      `${r.bundled.sdkClients.length} client(s)${r.bundled.sdkClients.length ? ` (${r.bundled.sdkClients.join(', ')})` : ''}; SDK ${kb(sdk)} KB (${((sdk / r.bundled.bytes) * 100).toFixed(0)} %)`,
    ];
    if (pt) parts.push(`Powertools ${kb(pt)} KB`);
    if (r.kind === 'worker' && r.import.median > BUDGET.workerImportMs) {
      parts.push(
        `import CPU ${ms(r.import.cpu.median)} ms${r.import.cpu.median > BUDGET.workerImportMs ? ' (over the budget on CPU work alone)' : ` (under ${BUDGET.workerImportMs}: the wall-clock miss is contention, load ${r.import.load.toFixed(1)} on ${cores} cores)`}`,
      );
    }
    notes.push(
      `- **${stackLabel(r.stack)} / ${r.name}** (${r.kind}): ${b.reasons.join('; ')}. Top: ${top}. ${parts.join('; ')}.`,
    );
  }
  const fixedByShim = results.filter(
    (r) =>
      r.bundled &&
      r.defaultChain &&
      r.defaultChain.bytes > limitKB(r) * KB &&
      r.bundled.bytes <= limitKB(r) * KB,
  );
  if (results.some((r) => r.defaultChain)) {
    notes.push(
      '',
      `**What was done**: the credential shim below; it brought ${fixedByShim.length ? fixedByShim.map((r) => `${stackLabel(r.stack)} / ${r.name}`).join(', ') : 'no function'} within its size budget and shrinks every bundle that has a client.`,
    );
  }
  return notes;
}

function comparisonSection(results, references, proof) {
  const rows = results.filter((r) => r.bundled && r.defaultChain);
  if (!rows.length) return '';
  const lines = [
    '### What was done about it: a Lambda credential shim',
    '',
    "Every SDK v3 client imports `@aws-sdk/credential-provider-node`, the full default credential chain: SSO, ini/profile files, `credential_process`, web identity and the nested STS/SSO/SSO-OIDC clients (`@aws-sdk/nested-clients`) they call. In Lambda (and in LocalStack's Lambda) the execution role's credentials are always in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, so the chain stops at its first link and the rest is dead code. `serverless.common.yml` (`esbuild.alias`; serverless-esbuild 1.57 passes options it does not know to esbuild unchanged, checked in `dist/bundle.js` and by `osls package`) now swaps that package for `shared/src/lambda-shims/credential-provider-node.ts`: environment variables, then the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_*_URI`), then EC2 IMDS, memoized with the real package's refresh rules. Functions without an SDK client are unchanged.",
    '',
    '| stack / function | bundle KB: default chain → shim | gzip KB: default chain → shim | import ms median: default chain → shim | import CPU ms median: default chain → shim |',
    '|---|--:|--:|--:|--:|',
  ];
  let before = 0;
  let after = 0;
  const dMs = [];
  const dCpu = [];
  const cpuPair = (x) =>
    x.defaultChainImport?.ok && x.import?.ok
      ? `${ms(x.defaultChainImport.cpu.median)} → ${ms(x.import.cpu.median)}`
      : 'n/a';
  for (const r of rows) {
    before += r.defaultChain.bytes;
    after += r.bundled.bytes;
    if (r.import?.ok && r.defaultChainImport?.ok) {
      dMs.push(r.defaultChainImport.median - r.import.median);
      dCpu.push(r.defaultChainImport.cpu.median - r.import.cpu.median);
    }
    lines.push(
      `| ${stackLabel(r.stack)} / ${r.name} | ${kb(r.defaultChain.bytes)} → ${kb(r.bundled.bytes)} | ${kb(r.defaultChain.gzipBytes)} → ${kb(r.bundled.gzipBytes)} | ${ms(r.defaultChainImport?.median)} → ${ms(r.import?.median)} | ${cpuPair(r)} |`,
    );
  }
  for (const ref of references.filter((x) => x.bundled && x.defaultChain)) {
    lines.push(
      `| reference: ${ref.name} | ${kb(ref.defaultChain.bytes)} → ${kb(ref.bundled.bytes)} | ${kb(ref.defaultChain.gzipBytes)} → ${kb(ref.bundled.gzipBytes)} | ${ms(ref.defaultChainImport?.median)} → ${ms(ref.import?.median)} | ${cpuPair(ref)} |`,
    );
  }
  const medianDelta = stats(dMs).median;
  lines.push(
    '',
    `Across the ${rows.length} functions with an SDK client: ${kb(before)} → ${kb(after)} KB in total (−${(((before - after) / before) * 100).toFixed(0)} %, −${kb((before - after) / rows.length)} KB per function on average); import time: median saving ${ms(medianDelta)} ms wall and ${ms(stats(dCpu).median)} ms CPU per function.`,
    '',
  );
  if (proof) {
    if (!proof.ran) lines.push(`**Proof not run**: ${proof.reason}`, '');
    else {
      lines.push(
        `**Proof** (\`bench/credential-shim-proof.mjs\`, ${proof.ok ? 'all checks passed' : '**FAILED**'} on this run): services/orders \`get-order\` and \`create-order\` built with the shared options (alias applied), run in fresh Node processes against a \`moto_server\` started on a free loopback port and stopped afterwards, table created through the SDK:`,
        '',
        ...proof.checks.map((c) => `- ${c.ok ? 'ok' : '**FAIL**'}: ${c.name} (${c.detail})`),
        '',
      );
    }
    lines.push(
      'The same alias is applied by `osls package` (checked by hand once, 2026-11-22, by packaging a copy of services/orders with osls 4.3.1: `getOrder.js` in the zip went from 436 to 308 KB, source map still linked, no `nested-clients` in it). What the shim gives up: `AWS_PROFILE`/`~/.aws` files, SSO, `credential_process` and `AWS_WEB_IDENTITY_TOKEN_FILE`; none of them exists in a Lambda sandbox. Tests are unaffected: vitest runs the sources, not bundles, with the real chain.',
      '',
    );
  }
  return lines.join('\n');
}

function loadRange() {
  const s = stats(loadSamples);
  return s.n
    ? `${s.min.toFixed(1)}–${Math.max(...loadSamples).toFixed(1)} (median ${s.median.toFixed(1)})`
    : 'n/a';
}

function render({ info, results, references, proof, keepNamesDelta, startedAt, seconds }) {
  const byStack = new Map();
  for (const r of results) {
    if (!byStack.has(r.stack)) byStack.set(r.stack, []);
    byStack.get(r.stack).push(r);
  }
  const measured = results.filter((r) => r.bundled && r.importOk);
  const verdicts = results.map((r) => (r.error ? 'FAIL' : budgetFor(r).verdict));
  const count = (v) => verdicts.filter((x) => x === v).length;
  const out = [
    START,
    '## Bundle size and cold import time (`npm run bench`)',
    '',
    `_Generated by \`scripts/bench-bundles.mjs\` on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC in ${Math.round(seconds)} s; rerun \`npm run bench\` rather than editing by hand._${RUNS < 10 ? ` **Development run: ${RUNS} runs per function, below the 10 the issue asks for.**` : ''}`,
    '',
    `**Machine**: Node ${info.nodeVersion} (\`node_modules/.bin/node\`), esbuild ${info.esbuildVersion}, ${info.model}, ${info.cores} cores, ${info.memGB} GB RAM, Linux; 1-min load average ${info.load.split(' ')[0]} at start and ${loadRange()} while imports were timed (the machine is shared with other jobs: wall-clock milliseconds include waiting for a core, so the CPU-time column is given too; compare within a run).`,
    '',
    `**Method**: stacks come from \`scripts/stacks.mjs\` and functions from each \`serverless.yml\` (js-yaml with the CloudFormation tags kept as data). Each handler is built with esbuild using its stack's \`custom.esbuild\` options (the \`esbuild:\` section of \`serverless.common.yml\`: bundle, minify, platform node, target node22, cjs, mainFields module/main, keepNames, alias) with source maps off, into a temp directory outside the repository (so a bundle that still needs \`node_modules\` would fail). Sizes are the minified file (1 KB = 1024 B) and its gzip (level 6). The _unbundled_ variant is the same handler compiled with every npm package left external (the workspace's own \`@order-platform/*\` TypeScript is compiled in), written under \`.tmp/bench/\` so Node resolves \`node_modules\` at run time, i.e. what shipping without bundling would load. Import time is \`performance.now()\` around \`require()\` of the bundle (\`import()\` for the unbundled variant, which is ES modules because \`@middy/core\` 7 is ESM-only and cannot be \`require()\`d) in a fresh \`node\` process per run (\`bench/import-probe.cjs\`), plus the process's CPU time over the same span: one discarded warm-up, then ${RUNS} runs per variant, variants interleaved, strictly sequential; median and p90. The process gets a Lambda-like environment (region, fake credentials, \`AWS_EXECUTION_ENV\`, \`AWS_LAMBDA_*\`, \`POWERTOOLS_*\` defaults) plus every variable the function declares in \`serverless.yml\`; values only CloudFormation or deploy time knows (\`!Ref\`, \`Fn::ImportValue\`, \`\${param:}\`...) become plausible dummies; \`NODE_OPTIONS\` (\`--enable-source-maps\`) is left out. A module that throws at import is a failure, not a skip.`,
    '',
    `**Budgets** (from the issue): queue and stream workers (every function without an HTTP event: queue, stream, EventBridge, SNS, S3, schedule, direct invoke) ≤ ${BUDGET.workerKB} KB and import median ≤ ${BUDGET.workerImportMs} ms; HTTP handlers with at most one SDK client ≤ ${BUDGET.httpOneClientKB} KB. HTTP handlers with two or more clients have no budget in the issue and are marked n/a.`,
    '',
    `**Headline**: ${results.length} functions in ${byStack.size} stack(s); ${count('pass')} pass, ${count('MISS')} miss, ${count('FAIL')} fail, ${count('n/a')} without a budget. Bundles ${measured.length ? `${kb(Math.min(...measured.map((r) => r.bundled.bytes)))}–${kb(Math.max(...measured.map((r) => r.bundled.bytes)))} KB` : 'n/a'}; import medians ${measured.length ? `${ms(Math.min(...measured.map((r) => r.import.median)))}–${ms(Math.max(...measured.map((r) => r.import.median)))} ms bundled` : 'n/a'}${measured.some((r) => r.unbundledImport?.ok) ? ` vs ${ms(Math.min(...measured.filter((r) => r.unbundledImport?.ok).map((r) => r.unbundledImport.median)))}–${ms(Math.max(...measured.filter((r) => r.unbundledImport?.ok).map((r) => r.unbundledImport.median)))} ms unbundled` : ''}.`,
    '',
  ];
  for (const [stack, rows] of byStack) {
    out.push(
      `### ${stackLabel(stack)}`,
      '',
      rows[0].stackError ? `**Could not read the stack**: ${rows[0].stackError}` : stackTable(rows),
      '',
    );
  }
  out.push(
    '### Reference points',
    '',
    'Synthetic handlers (a client constructed at module scope, nothing else) built with the same options, alias included, to show the floor a budget sits on.',
    '',
    '| entry | SDK clients | bundle KB | gzip KB | import ms median (p90) | import CPU ms median |',
    '|---|---|--:|--:|--:|--:|',
  );
  for (const ref of references) {
    out.push(
      ref.bundled
        ? `| ${ref.name} | ${ref.bundled.sdkClients.length} | ${kb(ref.bundled.bytes)} | ${kb(ref.bundled.gzipBytes)} | ${importCell(ref.import)} | ${ref.import?.ok ? ms(ref.import.cpu.median) : '–'} |`
        : `| ${ref.name} | – | – | – | **FAIL**: ${ref.error} | – |`,
    );
  }
  out.push('', '### Budget misses and why', '');
  const notes = missNotes(
    results.filter((r) => !r.stackError),
    references,
  );
  out.push(...notes, '');
  const cmp = comparisonSection(results, references, proof);
  if (cmp) out.push(cmp);
  if (keepNamesDelta) {
    out.push(
      '### Measured but not applied',
      '',
      `- \`keepNames: false\` would save ${kb(keepNamesDelta.saved)} KB over all ${keepNamesDelta.n} bundles (${((keepNamesDelta.saved / keepNamesDelta.total) * 100).toFixed(1)} %) and would bring ${keepNamesDelta.fixes.length ? keepNamesDelta.fixes.join(', ') : 'no function'} within its size budget. Not applied: it is not safe. Powertools batch branches on \`this.constructor.name === 'BatchProcessor'\` (\`BasePartialProcessor.processSync\`), which minified class names would break, and class names in logged errors and stack traces are worth more than the bytes.`,
      "- Leaving the SDK out of the bundle (the runtime's copy) shrinks the zip but is the slow path: the _unbundled_ column is that shape (packages resolved from `node_modules` at run time), and ENGINEERING.md measured the runtime SDK at 175 vs 62 ms for a DynamoDB client.",
      '',
    );
  }
  out.push(END);
  return out.join('\n');
}

function writeSection(section) {
  mkdirSync(dirname(OUT), { recursive: true });
  // Read just before writing: other benchmarks own other marked sections of this file.
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  let next;
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  if (a !== -1 && b !== -1 && b > a) next = current.slice(0, a) + section + current.slice(b + END.length);
  else if (current.trim()) next = `${current.replace(/\s*$/, '')}\n\n${section}\n`;
  else
    next = `# Benchmarks\n\nMeasured numbers, each section written by the script it names. Rerun the script to refresh a section; do not edit between the markers by hand.\n\n${section}\n`;
  writeFileSync(OUT, next);
}

// ---------- main ----------

const startedAt = new Date();
const t0 = performance.now();
const info = machine();
cores = info.cores;
log(
  `bench: ${info.nodeVersion}, ${info.model}, ${info.cores} cores, load ${info.load}; ${RUNS} runs per variant${RUNS < 10 ? ' (development run)' : ''}`,
);

const stackList = stacks().filter((s) => !ONLY.length || ONLY.includes(s));
const plan = [];
for (const s of stackList) {
  try {
    const stack = readStack(root, s);
    for (const fn of stack.functions) plan.push({ stack, fn });
    if (!stack.functions.length) log(`  ${stackLabel(s)}: no functions`);
  } catch (error) {
    plan.push({ stackError: `${String(error.message).split('\n')[0]}`, stack: { stack: s } });
  }
}
const total = plan.filter((p) => p.fn).length;
log(`bench: ${total} functions in ${stackList.length} stack(s)`);

const results = [];
let i = 0;
for (const p of plan) {
  if (p.stackError) {
    log(`  ${stackLabel(p.stack.stack)}: FAILED to read serverless.yml: ${p.stackError}`);
    results.push({
      stack: p.stack.stack,
      name: '(stack)',
      kind: '?',
      events: '?',
      error: `serverless.yml: ${p.stackError}`,
      dummied: [],
    });
    continue;
  }
  i++;
  const started = performance.now();
  const r = await benchFunction(p.stack, p.fn);
  results.push(r);
  const where = `[${i}/${total}] ${stackLabel(p.stack.stack)} ${p.fn.name}`;
  if (r.error) log(`${where}: FAILED ${r.error}`);
  else {
    const b = budgetFor(r);
    log(
      `${where}: ${r.kind} ${kb(r.bundled.bytes)} KB (gzip ${kb(r.bundled.gzipBytes)}), import ${r.import.ok ? `${ms(r.import.median)} ms (p90 ${ms(r.import.p90)})` : `THROWS ${r.import.error}`}` +
        `${r.unbundledImport ? `, unbundled ${r.unbundledImport.ok ? `${ms(r.unbundledImport.median)} ms` : `throws ${r.unbundledImport.error}`}` : ''}` +
        `${r.defaultChain ? `, default chain ${kb(r.defaultChain.bytes)} KB / ${ms(r.defaultChainImport?.median)} ms` : ''} -> ${b.verdict}${b.reasons.length ? ` (${b.reasons.join('; ')})` : ''} [${((performance.now() - started) / 1000).toFixed(1)} s]`,
    );
  }
}

log('bench: reference points');
const commonOptions = readStack(root, stackList.find((s) => s !== '.') ?? '.').esbuild;
const references = await benchReferences(commonOptions);

// Size-only: what dropping keepNames would save (reported, not applied).
let keepNamesDelta;
{
  let saved = 0;
  let totalBytes = 0;
  let n = 0;
  const fixes = [];
  for (const p of plan) {
    if (!p.fn?.file) continue;
    const r = results.find((x) => x.stack === p.stack.stack && x.name === p.fn.name);
    if (!r?.bundled) continue;
    try {
      const alt = await buildBundle({
        entry: p.fn.file,
        stackDir: p.stack.stackDir,
        options: { ...p.stack.esbuild, keepNames: false },
        outfile: join(bundledDir, 'nokeepnames', slug(p.stack.stack), `${p.fn.name}.js`),
      });
      saved += r.bundled.bytes - alt.bytes;
      totalBytes += r.bundled.bytes;
      n++;
      const limit =
        r.kind === 'worker'
          ? BUDGET.workerKB
          : r.bundled.sdkClients.length <= 1
            ? BUDGET.httpOneClientKB
            : Infinity;
      if (r.bundled.bytes > limit * KB && alt.bytes <= limit * KB)
        fixes.push(`${stackLabel(r.stack)} / ${r.name}`);
    } catch {
      // a function that does not build is already reported as a failure above
    }
  }
  if (n) keepNamesDelta = { saved, total: totalBytes, n, fixes };
}

let proof;
if (PROOF && commonOptions.alias?.[ALIASED]) {
  log('bench: credential shim proof against moto_server');
  try {
    proof = await proveCredentialShim({ node: NODE });
  } catch (error) {
    proof = { ran: false, ok: false, reason: String(error.message).split('\n')[0] };
  }
  for (const c of proof.checks ?? []) log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
  if (!proof.ran) log(`  NOT RUN: ${proof.reason}`);
}

const seconds = (performance.now() - t0) / 1000;
writeSection(render({ info, results, references, proof, keepNamesDelta, startedAt, seconds }));
log(`bench: wrote ${relative(root, OUT)} in ${seconds.toFixed(0)} s`);
const failed =
  results.some((r) => r.error || (r.bundled && !r.importOk)) || (proof && proof.ran && !proof.ok);
process.exit(failed ? 1 : 0);
