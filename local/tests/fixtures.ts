/**
 * Fixtures for the local runner's fidelity tests: real deployment packages made from
 * inline CommonJS (so FunctionHost runs them in worker threads exactly as it runs the
 * esbuild bundles), CloudFormation-shaped resources provisioned through provision.ts,
 * and polling waits with deadlines.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { ACCOUNT, REGION } from '../src/cfn';
import { FunctionHost, type LocalFunction } from '../src/lambda/host';
import { memorySink } from '../src/log';
import { emptyRunnables, provisionResource, type Clients, type Runnables } from '../src/provision';
import type { SourceContext } from '../src/sources';
import type { LocalResource } from '../src/types';

export { ACCOUNT, REGION };

/** A short unique suffix for resource names (every test gets its own queues, tables, buses). */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A scratch folder under the OS temp dir: zips, unpacked code, the functions' output files. */
export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'op-fidelity-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deployment package with one file, `index.js`, holding `source` (CommonJS). */
export function functionZip(dir: string, source: string): string {
  const zipPath = join(dir, `${randomUUID().slice(0, 8)}.zip`);
  writeFileSync(zipPath, zipSync({ 'index.js': strToU8(source) }));
  return zipPath;
}

export interface FunctionSpec {
  source: string;
  environment?: Record<string, string>;
  timeoutMs?: number;
  reservedConcurrency?: number;
}

/** A LocalFunction (handler `index.handler`) whose package is `spec.source`. */
export function localFunction(dir: string, spec: FunctionSpec): LocalFunction {
  const name = unique('op-fidelity-fn');
  return {
    name,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    service: 'op-fidelity',
    key: name,
    zipPath: functionZip(dir, spec.source),
    handler: 'index.handler',
    timeoutMs: spec.timeoutMs ?? 10_000,
    memoryMb: 128,
    environment: spec.environment ?? {},
    ...(spec.reservedConcurrency !== undefined ? { reservedConcurrency: spec.reservedConcurrency } : {}),
  };
}

/** A FunctionHost over a scratch work dir, logging to memory; `ctx` is what event sources need. */
export function hostFor(dir: string, clients: Clients, endpoint: string, defaultConcurrency = 10) {
  const log = memorySink();
  const host = new FunctionHost({
    workDir: join(dir, 'work'),
    runtimeEnv: { AWS_REGION: REGION },
    log,
    defaultConcurrency,
  });
  const ctx: SourceContext = {
    host,
    clients,
    endpoint,
    log,
    sfn: {
      startExecution: () => Promise.reject(new Error('no state machines in the fidelity tests')),
    },
    asyncConfigs: new Map(),
    // Async retries back to back: the tests assert outcomes, not Lambda's waits.
    asyncRetryDelaysMs: [],
    stopping: new AbortController().signal,
  };
  return { host, log, ctx };
}

/**
 * Provisions one CloudFormation-shaped resource (properties already resolved) through
 * provisionResource, as the platform does while deploying a stack; returns it as the
 * LocalResource the runner hands to its event sources.
 */
export async function provision(
  clients: Clients,
  type: string,
  props: Record<string, unknown>,
  run: Runnables = emptyRunnables(),
  logicalId = unique('Res').replace(/-/g, ''),
): Promise<LocalResource> {
  const stackName = unique('op-fidelity-local');
  const made = await provisionResource(
    clients,
    { root: process.cwd(), stack: '.', service: 'op-fidelity', stackName, logicalId, type, props },
    run,
  );
  return {
    stack: '.',
    service: 'op-fidelity',
    logicalId,
    type,
    properties: props,
    physicalId: made.physicalId,
    attributes: made.attributes ?? {},
  };
}

/** An AWS::Lambda::EventSourceMapping as the runner receives it (recorded, not provisioned). */
export function eventSourceMapping(properties: Record<string, unknown>): LocalResource {
  const logicalId = unique('Mapping').replace(/-/g, '');
  return {
    stack: '.',
    service: 'op-fidelity',
    logicalId,
    type: 'AWS::Lambda::EventSourceMapping',
    properties,
    physicalId: randomUUID(),
    attributes: {},
  };
}

/** The JSON lines a function appended to `file` (none yet: []). */
export function readJsonLines<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 15_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The largest number of [start, end] intervals open at one instant (an end at t closes before a start at t). */
export function maxOverlap(intervals: Array<{ start: number; end: number }>): number {
  const edges = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of edges) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}
