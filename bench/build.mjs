// esbuild builds for the bench: the deployed bundle (the stack's own options) and the
// unbundled comparison (own code compiled, every npm package left for Node to resolve).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The package an input path belongs to (`@aws-sdk/client-sqs`), or its repo folder. */
export function packageOf(input) {
  const m = input.match(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (m) return m[m.length - 1].replace(/^\/?node_modules\//, '');
  const parts = input.replace(/^(\.\.\/)+/, '').split('/');
  return parts[0] === 'shared' ? '(shared)' : '(own code)';
}

/**
 * Builds `entry` to `outfile` with `options` (sourcemap forced off: sizes and import times
 * are for the code itself). Returns bytes, gzip bytes and a per-package byte breakdown.
 */
export async function buildBundle({ entry, stackDir, options, outfile, plugins = [] }) {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    ...options,
    plugins: [...(options.plugins ?? []), ...plugins],
    entryPoints: [entry],
    outfile,
    absWorkingDir: stackDir, // serverless-esbuild runs in the stack directory (alias targets resolve from there)
    sourcemap: false,
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  const code = readFileSync(outfile);
  const output =
    Object.values(result.metafile.outputs).find((o) => o.entryPoint) ??
    Object.values(result.metafile.outputs)[0];
  const byPackage = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = packageOf(input);
    byPackage[pkg] = (byPackage[pkg] ?? 0) + bytesInOutput;
  }
  const sdkClients = [
    ...new Set(
      Object.keys(output.inputs)
        .map((i) => i.match(/node_modules\/@aws-sdk\/client-([^/]+)\//)?.[1])
        .filter(Boolean),
    ),
  ].sort();
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    byPackage,
    sdkClients,
    inputs: Object.keys(output.inputs),
    warnings: result.warnings.length,
  };
}

/**
 * Marks every bare import as external except the workspace's own packages
 * (`@order-platform/*`: TypeScript sources Node cannot load), which is what shipping the
 * compiled handler next to a node_modules folder would look like.
 */
export const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@order-platform/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Options for the unbundled variant: same compile settings, no alias (no package is
 * bundled, so there is nothing to alias), ES module output: @middy/core 7 is ESM-only
 * (its `exports` have only an `import` condition), so a CommonJS handler could not load
 * it from node_modules at all; an unbundled handler would ship as ESM.
 */
export function unbundledOptions(options) {
  const { alias: _alias, mainFields: _mf, ...rest } = options;
  return { ...rest, format: 'esm' };
}

/** One fresh `node` process timing require(file); returns { ok, ms, error? }. */
export function probeImport({ node, probe, file, exportName, env, cwd }) {
  const r = spawnSync(node, [probe, file, exportName ?? 'handler'], {
    env,
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) {
    return {
      ok: false,
      ms: NaN,
      error: `probe produced no result (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`,
    };
  }
  return JSON.parse(line);
}

export function stats(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return { median: NaN, p90: NaN, min: NaN, n: 0 };
  const q = (p) => {
    const i = (v.length - 1) * p;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return v[lo] + (v[hi] - v[lo]) * (i - lo);
  };
  return { median: q(0.5), p90: q(0.9), min: v[0], n: v.length };
}
