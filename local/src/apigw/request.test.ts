import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headerOf, parseQuery, readRequest } from './request';

describe('request: names the client chooses', () => {
  it('keeps query parameters named like members of every object', () => {
    const query = parseQuery('?constructor=1&__proto__=2&toString=3&hasOwnProperty=4&toString=5');
    expect(query.constructor).toEqual(['1']);
    expect(query.__proto__).toEqual(['2']);
    expect(query.toString).toEqual(['3', '5']);
    expect(query.hasOwnProperty).toEqual(['4']);
    expect(Object.keys(query).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
  });

  it('keeps headers named like members of every object', async () => {
    const incoming = Object.assign(Readable.from([Buffer.from('{}')]), {
      method: 'POST',
      url: '/orders?valueOf=1',
      rawHeaders: ['constructor', 'a', 'toString', 'b', '__proto__', 'c', 'Content-Type', 'application/json'],
      socket: { remoteAddress: '127.0.0.1' },
    }) as unknown as IncomingMessage;
    const { request } = await readRequest(incoming);
    expect(request.multiValueHeaders.constructor).toEqual(['a']);
    expect(request.multiValueHeaders.toString).toEqual(['b']);
    expect(request.multiValueHeaders.__proto__).toEqual(['c']);
    expect(headerOf(request, 'content-type')).toBe('application/json');
    expect(request.multiValueQuery.valueOf).toEqual(['1']);
    expect(JSON.parse(JSON.stringify(request.multiValueHeaders))).toHaveProperty('constructor', ['a']);
  });
});
