import { describe, expect, it } from 'vitest';
import { PermanentError, PoisonMessageError, UnsupportedEventVersionError } from '../errors';
import { classifyFailure, describeError } from './failures';
import { OutOfTimeError } from './time-guard';

const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('classifyFailure', () => {
  it.each([
    ['a named permanent error', new PermanentError('bad'), 'permanent'],
    ['an undeclared event version', new UnsupportedEventVersionError('v9'), 'permanent'],
    ['an unreadable message', new PoisonMessageError('not JSON'), 'poison'],
    ['a JSON.parse failure that escaped', new SyntaxError('Unexpected token'), 'poison'],
    ['a value Postgres refuses as data', pgError('22P02'), 'permanent'],
    ['a constraint the data breaks', pgError('23502'), 'permanent'],
    ['a unique race between two writers', pgError('23505'), 'retry'],
    ['a deadlock', pgError('40P01'), 'retry'],
    ['running out of time', new OutOfTimeError('late'), 'retry'],
    ['anything unknown', new Error('socket hang up'), 'retry'],
  ])('%s: %s', (_, error, kind) => {
    expect(classifyFailure(error)).toBe(kind);
  });
});

describe('describeError', () => {
  it('names the error and its SQLSTATE and stays short', () => {
    expect(describeError(pgError('23502'))).toBe('Error [23502]: pg');
    expect(describeError(new Error('x'.repeat(900)))).toHaveLength(500);
  });
});
