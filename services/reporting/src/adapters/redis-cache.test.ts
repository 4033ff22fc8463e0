import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { firstConnection } from './redis-cache';

/** Just the part of an ioredis client that firstConnection looks at. */
function fakeClient(status: string) {
  const emitter = new EventEmitter() as EventEmitter & { status: string };
  emitter.status = status;
  return emitter;
}

describe('firstConnection', () => {
  it('lets the first command of a cold container wait for the connection being opened', async () => {
    const client = fakeClient('connecting');
    const connected = firstConnection(client as unknown as Redis, 5_000);
    let passed = false;
    const first = connected().then(() => (passed = true));

    await new Promise((r) => setTimeout(r, 10));
    expect(passed).toBe(false);
    client.status = 'ready';
    client.emit('ready');
    await first;
    expect(passed).toBe(true);
  });

  it('waits at most the bound once, then never again (fail fast during an outage)', async () => {
    const client = fakeClient('connecting');
    const connected = firstConnection(client as unknown as Redis, 20);
    const settledNow = (p: Promise<void>) =>
      Promise.race([p.then(() => 'settled'), new Promise((r) => setImmediate(() => r('pending')))]);

    // The first call waits (the connection never comes), the bound ends the wait...
    expect(await settledNow(connected())).toBe('pending');
    await connected();
    // ...and later calls do not wait at all, although the client is still not ready.
    expect(await settledNow(connected())).toBe('settled');
  });
});
