import { describe, expect, it } from 'vitest';
import { PermanentError, PoisonMessageError, UnsupportedEventVersionError } from '../errors';
import { classifyFailure, describeError } from './failures';
import { OutOfTimeError } from './time-guard';

const pgError = (code: string, message = 'pg') => Object.assign(new Error(message), { code });

describe('classifyFailure', () => {
  it.each([
    ['a PermanentError (bad shape)', new PermanentError('Not a ledger message'), 'permanent'],
    ['an unsupported event version', new UnsupportedEventVersionError('v9'), 'permanent'],
    ['an unreadable message', new PoisonMessageError('not JSON'), 'poison'],
    ['a JSON.parse failure that escaped', new SyntaxError('Unexpected token'), 'poison'],
    ['a value Postgres rejects as data (22P02 invalid text)', pgError('22P02'), 'permanent'],
    ['a number out of range (22003)', pgError('22003'), 'permanent'],
    ['a check constraint (23514)', pgError('23514'), 'permanent'],
    ['a not-null violation (23502)', pgError('23502'), 'permanent'],
    ['a unique violation (23505: a race, retry resolves it)', pgError('23505'), 'retry'],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'retry',
    ],
    ['admin shutdown (57P01)', pgError('57P01'), 'retry'],
    ['too many connections (53300)', pgError('53300'), 'retry'],
    ['deadlock (40P01)', pgError('40P01'), 'retry'],
    ['serialization failure (40001)', pgError('40001'), 'retry'],
    ['a missing table before the migration ran (42P01)', pgError('42P01'), 'retry'],
    ['a query timeout', new Error('Query read timeout'), 'retry'],
    ['running out of time', new OutOfTimeError('late'), 'retry'],
    ['an AWS throttle', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 'retry'],
    ['anything unknown', new Error('???'), 'retry'],
    ['a thrown string', 'boom', 'retry'],
  ])('%s is %s', (_what, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});

describe('describeError', () => {
  it('names the error and its SQLSTATE and stays short, for the log line and the DLQ attribute', () => {
    expect(describeError(pgError('22P02', 'invalid input'))).toBe('Error [22P02]: invalid input');
    expect(describeError(new Error('x'.repeat(600)))).toHaveLength(500);
  });
});
