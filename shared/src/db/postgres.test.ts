import { describe, expect, it } from 'vitest';
import { isAuthFailure, rotatingCredentials } from './postgres';

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
