import { describe, expect, it } from 'vitest';
import { decodeCursorKey, type CursorShape } from './pagination';

const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const shape: CursorShape = {
  PK: (v) => /^ORDER#ord_[0-9A-Z]{26}$/.test(v),
  SK: (v) => v === 'ORDER',
};
const good = { PK: 'ORDER#ord_01JAAAAAAAAAAAAAAAAAAAAAAA', SK: 'ORDER' };

describe('decodeCursorKey', () => {
  it('gives back a key of exactly the shape a list gave out', () => {
    expect(decodeCursorKey(encode(good), shape)).toEqual(good);
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['null', encode(null)],
    ['an array', encode([good.PK, good.SK])],
    ['a string', encode('ORDER')],
    ['an extra attribute', encode({ ...good, evil: '1' })],
    [
      'a __proto__ attribute',
      Buffer.from(`{"__proto__":{"a":1},"PK":"${good.PK}","SK":"ORDER"}`).toString('base64url'),
    ],
    ['a missing attribute', encode({ PK: good.PK })],
    ['an empty attribute', encode({ PK: '', SK: 'ORDER' })],
    ['a number for a string', encode({ PK: good.PK, SK: 1 })],
    ['an attribute-value object', encode({ PK: { S: good.PK }, SK: 'ORDER' })],
    ['a value its check refuses', encode({ PK: 'ORDER#x', SK: 'ORDER' })],
  ])('refuses %s', (_what, cursor) => {
    expect(decodeCursorKey(cursor, shape)).toBeUndefined();
  });

  it('lets an optional attribute be absent, and checks it when present', () => {
    const withKind: CursorShape = { ...shape, k: (v) => v === 'physical' };
    expect(decodeCursorKey(encode(good), withKind, ['k'])).toEqual(good);
    expect(decodeCursorKey(encode({ ...good, k: 'physical' }), withKind, ['k'])).toEqual({
      ...good,
      k: 'physical',
    });
    expect(decodeCursorKey(encode({ ...good, k: 'digital' }), withKind, ['k'])).toBeUndefined();
    expect(decodeCursorKey(encode(good), withKind)).toBeUndefined();
  });
});
