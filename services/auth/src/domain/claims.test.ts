import { describe, expect, it } from 'vitest';
import { bearerTokenOf, principalFromClaims } from './claims';
import { AccessRejectedError } from './errors';

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof AccessRejectedError ? error.reason : `not rejected: ${String(error)}`;
  }
  return 'no error';
};

describe('bearerTokenOf', () => {
  it('takes the token from a Bearer header (scheme case-insensitive)', () => {
    expect(bearerTokenOf('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerTokenOf('bearer a.b.c')).toBe('a.b.c');
  });

  it.each([undefined, '', 'a.b.c', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Token a.b.c'])(
    'refuses %j',
    (header) => {
      expect(reasonOf(() => bearerTokenOf(header))).toBe('missing-bearer');
    },
  );

  it('refuses an oversized token before any crypto', () => {
    expect(reasonOf(() => bearerTokenOf(`Bearer ${'a'.repeat(9000)}`))).toBe('malformed-token');
  });
});

describe('principalFromClaims', () => {
  it('maps sub to the customer id and defaults the role to customer', () => {
    expect(principalFromClaims({ sub: 'c-123' })).toEqual({ customerId: 'c-123', role: 'customer' });
    expect(principalFromClaims({ sub: 'ops_team', role: 'admin' })).toEqual({
      customerId: 'ops_team',
      role: 'admin',
    });
  });

  it.each([undefined, 42, 'ab', 'a'.repeat(65), 'c/123', 'c-*', 'c 1', 'c?1', 'c.1'])(
    'refuses subject %j',
    (sub) => {
      expect(reasonOf(() => principalFromClaims({ sub }))).toBe('invalid-subject');
    },
  );

  it.each(['root', 'Admin', '', 1, ['admin']])('refuses role %j instead of guessing', (role) => {
    expect(reasonOf(() => principalFromClaims({ sub: 'c-123', role }))).toBe('invalid-role');
  });
});

describe('the email claim', () => {
  it('becomes the principal email when it is a plausible address, and is dropped otherwise', () => {
    const base = { sub: 'c-123' };
    expect(principalFromClaims({ ...base, email: 'ada@example.com' }).email).toBe('ada@example.com');
    for (const bad of ['not-an-address', 'a@b', '<x>@example.com', 42, '', `${'x'.repeat(250)}@example.com`])
      expect(principalFromClaims({ ...base, email: bad }).email, String(bad)).toBeUndefined();
  });
});
