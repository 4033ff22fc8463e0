import { describe, expect, it } from 'vitest';
import { PermanentError, UnsupportedEventVersionError } from '@order-platform/shared/errors';
import { OutOfTimeError, classifyFailure, describeError } from './failures';

const pgError = (code: string, message = 'pg') => Object.assign(new Error(message), { code });

describe('classifyFailure (P25)', () => {
  it.each([
    ['a PermanentError (bad shape)', new PermanentError('Not a ledger message'), 'permanent'],
    ['an unsupported event version', new UnsupportedEventVersionError('v9'), 'permanent'],
    ['a value Postgres rejects as data (22P02 invalid text)', pgError('22P02'), 'permanent'],
    ['a number out of range (22003)', pgError('22003'), 'permanent'],
    ['a check constraint (23514)', pgError('23514'), 'permanent'],
    ['a not-null violation (23502)', pgError('23502'), 'permanent'],
    ['a unique violation (23505: a race, retry resolves it)', pgError('23505'), 'temporary'],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'temporary',
    ],
    ['admin shutdown (57P01)', pgError('57P01'), 'temporary'],
    ['cannot connect now (57P03)', pgError('57P03'), 'temporary'],
    ['too many connections (53300)', pgError('53300'), 'temporary'],
    ['deadlock (40P01)', pgError('40P01'), 'temporary'],
    ['serialization failure (40001)', pgError('40001'), 'temporary'],
    ['a missing table before the migration ran (42P01)', pgError('42P01'), 'temporary'],
    ['a query timeout', new Error('Query read timeout'), 'temporary'],
    ['running out of time', new OutOfTimeError('late'), 'temporary'],
    [
      'an AWS throttle',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      'temporary',
    ],
    ['anything unknown', new Error('???'), 'temporary'],
    ['a thrown string', 'boom', 'temporary'],
  ])('%s is %s', (_what, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it('describes errors briefly, with the SQLSTATE, for the DLQ attribute', () => {
    expect(describeError(pgError('22P02', 'invalid input'))).toBe('Error [22P02]: invalid input');
    expect(describeError(new Error('x'.repeat(600)))).toHaveLength(500);
  });
});
