import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { inTransaction, isAuthFailure, rotatingCredentials } from './postgres';

/** A pooled client that records its statements; `failOn` statements reject like a dropped connection. */
function fakeClient(failOn: string[] = []) {
  const statements: string[] = [];
  const released: (Error | undefined)[] = [];
  const client = {
    statements,
    released,
    on: () => client,
    removeListener: () => client,
    query: async (sql: string) => {
      statements.push(sql);
      if (failOn.includes(sql))
        throw Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        });
      return { rows: [] };
    },
    release: (err?: Error) => void released.push(err),
  };
  return client;
}

function poolOf(...clients: ReturnType<typeof fakeClient>[]) {
  const queue = [...clients];
  return { connect: async () => queue.shift() as unknown as pg.PoolClient };
}

describe('database credentials that follow a rotation', () => {
  it('reads the cached secret per connection, and bypasses the cache once after an auth failure', async () => {
    const reads: boolean[] = [];
    let current = 'first-password';
    const creds = rotatingCredentials(async (forceFetch) => {
      reads.push(forceFetch);
      return { username: 'app', password: current };
    });
    expect(await creds.password()).toBe('first-password');
    current = 'rotated-password';
    creds.authFailed();
    expect(await creds.password()).toBe('rotated-password');
    expect(await creds.password()).toBe('rotated-password');
    expect(reads).toEqual([false, true, false]);
  });

  it('knows a rejected password from other connection errors', () => {
    expect(isAuthFailure({ code: '28P01' })).toBe(true);
    expect(isAuthFailure({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isAuthFailure(undefined)).toBe(false);
  });
});

describe('a transaction on a pooled connection', () => {
  it('takes a fresh connection when the pooled one was dropped before BEGIN, and destroys the dead one', async () => {
    const dead = fakeClient(['BEGIN']);
    const fresh = fakeClient();
    const result = await inTransaction(poolOf(dead, fresh), async (c) => {
      await c.query('SELECT 1');
      return 'done';
    });
    expect(result).toBe('done');
    expect(dead.released).toEqual([expect.objectContaining({ code: '57P01' })]);
    expect(fresh.statements).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
    expect(fresh.released).toEqual([undefined]);
  });

  it('gives up after the second refused BEGIN', async () => {
    const pool = poolOf(fakeClient(['BEGIN']), fakeClient(['BEGIN']), fakeClient());
    await expect(inTransaction(pool, async () => 'never')).rejects.toMatchObject({ code: '57P01' });
  });

  it("never retries once the work started: the error is the caller's, the healthy connection goes back", async () => {
    const client = fakeClient();
    const work = inTransaction(poolOf(client, fakeClient()), async () => {
      throw new Error('unique violation');
    });
    await expect(work).rejects.toThrow('unique violation');
    expect(client.statements).toEqual(['BEGIN', 'ROLLBACK']);
    expect(client.released).toEqual([undefined]);
  });

  it('destroys a connection that cannot even roll back', async () => {
    const client = fakeClient(['SELECT 1', 'ROLLBACK']);
    await expect(inTransaction(poolOf(client), (c) => c.query('SELECT 1'))).rejects.toMatchObject({
      code: '57P01',
    });
    expect(client.released).toEqual([expect.objectContaining({ code: '57P01' })]);
  });
});
