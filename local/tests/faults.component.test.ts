/**
 * What the Lambda host does with each injected fault (local/src/faults): real worker
 * threads running real packages, a fault decided by a stub injector. The function counts
 * its runs in a file, so a test can tell "failed without running" from "ran, then failed".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvocationFault } from '../src/faults';
import { FunctionHost } from '../src/lambda/host';
import { memorySink } from '../src/log';
import { localFunction, scratchDir } from './fixtures';

const scratch = scratchDir();
afterAll(() => scratch.remove());

/** Appends a line to RUNS_FILE, then answers after WORK_MS. */
const COUNTER = `
const { appendFileSync } = require('node:fs');
exports.handler = async (event) => {
  appendFileSync(process.env.RUNS_FILE, 'run\\n');
  await new Promise((r) => setTimeout(r, Number(process.env.WORK_MS || 0)));
  return { ok: true, event };
};`;

function setUp(fault: InvocationFault | undefined, opts: { timeoutMs?: number; workMs?: number } = {}) {
  const runs = join(scratch.dir, `${Math.random().toString(36).slice(2)}.runs`);
  const fn = localFunction(scratch.dir, {
    source: COUNTER,
    environment: { RUNS_FILE: runs, WORK_MS: String(opts.workMs ?? 0) },
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  let next = fault;
  const host = new FunctionHost({
    workDir: join(scratch.dir, 'work'),
    runtimeEnv: {},
    log: memorySink(),
    // The first invocation gets the fault, the ones after it none.
    faults: {
      forInvocation: () => {
        const f = next;
        next = undefined;
        return f;
      },
    },
  });
  host.register(fn);
  const runCount = () =>
    existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0;
  return { host, fn, runCount };
}

describe('the Lambda host under injected faults', () => {
  it('a handler exception fails the invocation without running the handler; the environment stays', async () => {
    const { host, fn, runCount } = setUp({ kind: 'handler-error' });
    const first = await host.invoke(fn.name, { n: 1 });
    expect(first.error).toMatchObject({ errorType: 'InjectedFault' });
    expect(runCount()).toBe(0);
    const second = await host.invoke(fn.name, { n: 2 });
    expect(second.error).toBeUndefined();
    expect(runCount()).toBe(1);
    await host.close();
  });

  it('a run past the timeout does its work, then reports Sandbox.Timedout and discards the environment', async () => {
    const again = setUp({ kind: 'timeout' }, { timeoutMs: 400 });
    const out = await again.host.invoke(again.fn.name, {});
    expect(out.error).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(out.durationMs).toBeGreaterThanOrEqual(400);
    expect(again.runCount()).toBe(1);
    expect(again.host.stats(again.fn.name).environments).toBe(0);
    const next = await again.host.invoke(again.fn.name, {});
    expect(next).toMatchObject({ coldStart: true });
    expect(next.error).toBeUndefined();
    await again.host.close();
  });

  it('a killed environment fails the invocation in progress with Runtime.ExitError and is gone', async () => {
    // Killed 500 ms into the handler (counted from its start, not the cold start's init),
    // well before its 3 s of work end: the handler has surely begun, and never finishes.
    const { host, fn, runCount } = setUp(
      { kind: 'environment-killed', afterMs: 500 },
      { workMs: 3_000, timeoutMs: 15_000 },
    );
    const out = await host.invoke(fn.name, {});
    expect(out.error).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(out.durationMs).toBeLessThan(3_000);
    expect(runCount()).toBe(1);
    expect(host.stats(fn.name).environments).toBe(0);
    const next = await host.invoke(fn.name, {});
    expect(next.error).toBeUndefined();
    expect(next.coldStart).toBe(true);
    await host.close();
  });

  it('latency delays the handler and the invocation still succeeds', async () => {
    const { host, fn } = setUp({ kind: 'latency', ms: 300 });
    const out = await host.invoke(fn.name, {});
    expect(out.error).toBeUndefined();
    expect(out.durationMs).toBeGreaterThanOrEqual(300);
    await host.close();
  });
});
