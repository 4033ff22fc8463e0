/**
 * The local platform under load, measured from outside as a user would: orders POSTed to
 * the orders API and polled until they end, first one at a time, then with N in flight.
 * Reports orders per second, POST -> CONFIRMED percentiles, the AWS calls that reached
 * the engines per order (by operation and by caller, from GET /_local/stats) and the CPU
 * each engine used (Linux /proc), busy and idle. Writes docs/benchmarks.md between the
 * bench:load markers with --write.
 *
 *   npm run bench:load [-- --orders 60 --in-flight 10 --single 8 --idle 20 --write]
 *   npm run bench:load -- --control http://127.0.0.1:<port>   (a running npm run dev)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformClient } from '../../integration-tests/src/client';
import { endpointsFromInfo } from '../../integration-tests/src/target';
import { byOperation, diffCounts, type CallCounts } from '../src/call-stats';
import { memorySink } from '../src/log';
import { startPlatform, type LocalPlatform } from '../src/platform';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '60' },
    'in-flight': { type: 'string', default: '10' },
    single: { type: 'string', default: '8' },
    idle: { type: 'string', default: '20' },
    control: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const root = join(__dirname, '..', '..');
const SKU = 'GIFT-CARD-25'; // 100,000 units in the demo catalog: stock never runs out here

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ------------------------------------------------------------------ CPU per engine

interface Proc {
  pid: number;
  ppid: number;
  args: string;
}

function processes(): Proc[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

/** utime + stime of a process, in clock ticks (100 per second on Linux). */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The engines' processes (and their children: Postgres backends), found by port. */
function enginePids(engines: { moto: string; postgres: string; redis: string }, runnerPid: number) {
  const port = (url: string) => new URL(url).port;
  const all = processes();
  const tree = (root?: Proc) =>
    root ? [root.pid, ...all.filter((p) => p.ppid === root.pid).map((p) => p.pid)] : [];
  const find = (test: (p: Proc) => boolean) => all.find(test);
  return {
    moto: tree(
      find((p) => /moto_server|moto\/serve\.py/.test(p.args) && p.args.includes(`-p ${port(engines.moto)}`)),
    ),
    postgres: tree(find((p) => /postgres\s/.test(p.args) && p.args.includes(`-p ${port(engines.postgres)}`))),
    redis: tree(find((p) => p.args.includes('redis-server') && p.args.includes(port(engines.redis)))),
    runner: [runnerPid],
  };
}

type Pids = ReturnType<typeof enginePids>;

function cpuTicks(pids: Pids): Record<keyof Pids, number> {
  const sum = (xs: number[]) => xs.reduce((a, p) => a + ticksOf(p), 0);
  return {
    moto: sum(pids.moto),
    postgres: sum(pids.postgres),
    redis: sum(pids.redis),
    runner: sum(pids.runner),
  };
}

/** Percent of one core per engine between two readings `ms` apart. */
function cpuPercent(a: Record<string, number>, b: Record<string, number>, ms: number) {
  return Object.fromEntries(Object.keys(a).map((k) => [k, ((b[k]! - a[k]!) / (ms / 10)) * 100]));
}

// ------------------------------------------------------------------ orders

async function order(c: PlatformClient, token: string): Promise<{ ms: number; status: string }> {
  const t0 = Date.now();
  const placed = await c.placeOrder(token, [{ sku: SKU, quantity: 1 }]);
  if (placed.status !== 201)
    throw new Error(`POST /orders answered ${placed.status}: ${JSON.stringify(placed.body)}`);
  const end = await c.waitUntilEnded(token, placed.body.orderId, 120_000);
  return { ms: Date.now() - t0, status: end.status };
}

async function stats(controlUrl: string): Promise<CallCounts> {
  const r = await fetch(`${controlUrl}/_local/stats`);
  return ((await r.json()) as { calls: CallCounts }).calls;
}

async function main() {
  let platform: LocalPlatform | undefined;
  let controlUrl = values.control;
  let runnerPid = process.pid;
  if (!controlUrl) {
    platform = await startPlatform({
      root,
      log: memorySink(),
      repackage: false,
      apiPort: 0,
      providerPort: 0,
    });
    controlUrl = platform.controlUrl;
  } else {
    const pid = processes().find((p) => p.args.includes('local/src/cli.ts') && !p.args.includes('tsx local'));
    if (pid) runnerPid = pid.pid;
  }
  try {
    const info = (await (await fetch(`${controlUrl}/_local/info`)).json()) as Parameters<
      typeof endpointsFromInfo
    >[0] & { engines: { moto: string; postgres: string; redis: string } };
    const c = new PlatformClient(endpointsFromInfo(info, controlUrl));
    const pids = enginePids(info.engines, runnerPid);
    // The provider confirms at once: what is measured is the platform, not its wait.
    await c.provider({ mode: 'approve', confirmDelayMs: 0 });
    const token = await c.token('c-bench-load');
    for (let i = 0; i < 2; i++) await order(c, token); // warm: every function on the path has started

    const single: number[] = [];
    for (let i = 0; i < Number(values.single); i++) single.push((await order(c, token)).ms);

    const n = Number(values.orders);
    const inFlight = Number(values['in-flight']);
    const before = await stats(controlUrl);
    const cpu0 = cpuTicks(pids);
    const t0 = Date.now();
    const loaded: number[] = [];
    const outcomes: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) {
          next++;
          const r = await order(c, token);
          loaded.push(r.ms);
          outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
        }
      }),
    );
    const wallMs = Date.now() - t0;
    const busy = cpuPercent(cpu0, cpuTicks(pids), wallMs);
    const calls = diffCounts(await stats(controlUrl), before);

    // Idle: the platform left alone (schedules and pollers only).
    const idleMs = Number(values.idle) * 1000;
    const idle0 = cpuTicks(pids);
    await new Promise((r) => setTimeout(r, idleMs));
    const idle = cpuPercent(idle0, cpuTicks(pids), idleMs);

    const perOrder = (x: number) => (x / n).toFixed(1);
    const ops = Object.entries(byOperation(calls)).sort((a, b) => b[1] - a[1]);
    const total = ops.reduce((a, [, x]) => a + x, 0);
    const callers = Object.entries(calls)
      .map(([who, o]) => [who, Object.values(o).reduce((a, x) => a + x, 0)] as const)
      .sort((a, b) => b[1] - a[1]);
    const cpuRow = (x: Record<string, number>) =>
      `moto ${x.moto!.toFixed(0)}%, runner ${x.runner!.toFixed(0)}%, Postgres ${x.postgres!.toFixed(0)}%, Redis ${x.redis!.toFixed(0)}%`;

    const section = [
      '## Local platform under load (`npm run bench:load`)',
      '',
      `${n} orders of one ${SKU} with ${inFlight} in flight (each POSTed, then polled every 200 ms until it ends), after ${values.single} orders one at a time; the simulated provider approves at once (confirmDelayMs 0). Calls are every AWS API request that reached the engines (moto, through the DynamoDB gate), counted by the runner: its own clients and the IAM gateway. CPU is percent of one core, from /proc.`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| throughput, ${inFlight} in flight | **${(n / (wallMs / 1000)).toFixed(2)} orders/s** (${n} in ${secs(wallMs)}; ${JSON.stringify(outcomes)}) |`,
      `| POST -> end, ${inFlight} in flight | p50 ${secs(pct(loaded, 50))}, p95 ${secs(pct(loaded, 95))}, max ${secs(Math.max(...loaded))} |`,
      `| POST -> CONFIRMED, one in flight | p50 ${secs(pct(single, 50))}, min ${secs(Math.min(...single))}, max ${secs(Math.max(...single))} |`,
      `| AWS calls per order | ${perOrder(total)} |`,
      `| CPU under load | ${cpuRow(busy)} |`,
      `| CPU idle (${values.idle} s after the run) | ${cpuRow(idle)} |`,
      '',
      '| operation | calls per order |',
      '| --- | --- |',
      ...ops.slice(0, 14).map(([op, x]) => `| ${op} | ${perOrder(x)} |`),
      '',
      '| caller | calls per order |',
      '| --- | --- |',
      ...callers.slice(0, 12).map(([who, x]) => `| ${who} | ${perOrder(x)} |`),
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on this 2-core machine.`,
    ].join('\n');
    process.stdout.write(`${section}\n`);
    if (values.write) {
      const file = join(root, 'docs', 'benchmarks.md');
      const doc = readFileSync(file, 'utf8');
      const start = '<!-- bench:load:start -->';
      const end = '<!-- bench:load:end -->';
      writeFileSync(
        file,
        doc.includes(start)
          ? doc.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${section}\n${end}`)
          : `${doc.trimEnd()}\n\n${start}\n${section}\n${end}\n`,
      );
    }
  } finally {
    await platform?.stop();
  }
}

void main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
