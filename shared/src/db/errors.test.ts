import { describe, expect, it } from 'vitest';
import { isUnreachable } from './errors';

describe('isUnreachable', () => {
  it.each<[unknown, string]>([
    [{ code: 'ECONNREFUSED' }, 'refused'],
    [{ code: 'ECONNRESET' }, 'reset'],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, 'shutting down'],
    [{ code: '57P03', message: 'the database system is starting up' }, 'starting up'],
    [{ code: '08006' }, 'connection failure'],
    [new Error('Connection terminated unexpectedly'), 'dropped by pg'],
    [new Error('timeout exceeded when trying to connect'), 'pool connect timeout'],
  ])('%o: unreachable (%s)', (error: unknown) => {
    expect(isUnreachable(error)).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ code: '23505' }, 'a unique violation'],
    [{ code: '22P02' }, 'bad input'],
    [{ code: '28P01' }, 'a wrong password'],
    [new Error('syntax error at or near "SELEC"'), 'a plain error'],
    [undefined, 'nothing'],
  ])('%o: answered, not unreachable (%s)', (error: unknown) => {
    expect(isUnreachable(error)).toBe(false);
  });
});
