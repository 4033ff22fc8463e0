/**
 * The two commands a newcomer runs, as they run them: `npm run dev` (the real CLI, in its
 * own process group), then `npm run demo` against it, twice in a row: both must exit 0,
 * and an order placed right after must be CONFIRMED (the demo leaves the platform as it
 * found it: provider back to normal, circuit breaker closed). Then Ctrl-C (SIGINT to the
 * group) must stop everything it started. Local target only: the other targets have no
 * local runner to start.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@order-platform/test-support/engines';
import { PlatformClient } from '../src/client';
import { attachToLocal, repoRoot, targetName } from '../src/target';

function run(args: string[], opts: { group?: boolean } = {}) {
  const child = spawn('npm', ['run', '-s', ...args], {
    cwd: repoRoot,
    detached: opts.group ?? false,
    env: { ...process.env, E2E_TARGET: 'local' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // 'close' waits for every process holding the pipes: npm and the runner under it.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** True if something accepts TCP connections on the port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(targetName() !== 'local')('npm run dev, then npm run demo', () => {
  let dev: ReturnType<typeof run> | undefined;
  afterAll(() => {
    if (dev?.child.pid && alive(dev.child.pid)) process.kill(-dev.child.pid, 'SIGKILL');
  });

  it(
    'starts the platform, plays the demo twice with exit 0, confirms an order after it, and stops everything on Ctrl-C',
    { timeout: 900_000 },
    async () => {
      // Arrange: the runner on free ports, as a user starts it
      const [apiPort, providerPort] = [await freePort(), await freePort()];
      dev = run(
        ['dev', '--', '--no-color', '--port', String(apiPort), '--provider-port', String(providerPort)],
        {
          group: true,
        },
      );
      await until(
        'the platform to be ready',
        () => dev!.output().includes('Ctrl-C stops everything'),
        120_000,
      );
      expect(existsSync(join(repoRoot, '.local', 'platform.json'))).toBe(true);
      const ready = /ready in ([\d.]+) s/.exec(dev.output());
      expect(Number(ready?.[1])).toBeLessThan(30);

      // Act: the demo twice, an order of one's own, then Ctrl-C
      const first = run(['demo']);
      const firstCode = await first.exited;
      const second = run(['demo']);
      const secondCode = await second.exited;
      const client = new PlatformClient(await attachToLocal());
      const token = await client.token('c-after-the-demo');
      const placed = await client.placeOrder(token, [{ sku: 'STICKER-PACK', quantity: 1 }]);
      const after = await client.waitUntilEnded(token, placed.body.orderId);
      process.kill(-dev.child.pid!, 'SIGINT');
      await dev.exited; // npm itself ends by the signal, as under a terminal's Ctrl-C

      // Assert
      for (const [demo, code] of [
        [first, firstCode],
        [second, secondCode],
      ] as const) {
        expect(demo.output()).toContain('scenarios behaved');
        expect(demo.output()).toContain('reconciliation: every order the demo placed adds up');
        expect(code, demo.output()).toBe(0);
      }
      expect(after, 'an order placed right after two demos').toMatchObject({ status: 'CONFIRMED' });
      expect(dev.output()).toContain('stopping');
      expect(existsSync(join(repoRoot, '.local', 'platform.json'))).toBe(false);
      const engines = [...dev.output().matchAll(/(?:moto|postgres|redis) \S+:\/\/\S*?:(\d+)/g)].map((m) =>
        Number(m[1]),
      );
      expect(engines.length).toBeGreaterThanOrEqual(3);
      for (const port of engines) expect(await listening(port), `port ${port} still open`).toBe(false);
    },
  );
});
