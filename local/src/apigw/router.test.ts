import { describe, expect, it } from 'vitest';
import { buildModel } from './model';
import { route } from './router';
import { ORDERS_API, ordersResources } from './test-fixtures';

const api = buildModel(ordersResources(), 'local').apis.find((a) => a.id === ORDERS_API)!;

describe('route', () => {
  it('matches literal parts and {param} parts, giving decoded path parameters', () => {
    const m = route(api.root, 'POST', '/orders/ord%201/cancel');
    expect(m?.resource.path).toBe('/orders/{orderId}/cancel');
    expect(m?.pathParameters).toEqual({ orderId: 'ord 1' });
  });

  it('prefers a literal sibling over a {param}', () => {
    expect(route(api.root, 'GET', '/orders/search')?.resource.path).toBe('/orders/search');
    expect(route(api.root, 'GET', '/orders/o-1')?.resource.path).toBe('/orders/{orderId}');
  });

  it('falls back to {param} when the literal branch has no such method', () => {
    // /orders/search has only GET; POST /orders/search/cancel goes through {orderId}.
    const m = route(api.root, 'POST', '/orders/search/cancel');
    expect(m?.resource.path).toBe('/orders/{orderId}/cancel');
    expect(m?.pathParameters).toEqual({ orderId: 'search' });
  });

  it('gives {proxy+} the rest of the path and lets ANY answer every method', () => {
    const m = route(api.root, 'DELETE', '/files/a/b%2Fc/d.txt');
    expect(m?.resource.path).toBe('/files/{proxy+}');
    expect(m?.method.httpMethod).toBe('ANY');
    expect(m?.pathParameters).toEqual({ proxy: 'a/b/c/d.txt' });
  });

  it('does not match {proxy+} without at least one segment', () => {
    expect(route(api.root, 'GET', '/files')).toBeUndefined();
  });

  it('ignores a trailing slash and finds nothing for unknown paths or methods', () => {
    expect(route(api.root, 'GET', '/health/')?.resource.path).toBe('/health');
    expect(route(api.root, 'POST', '/health')).toBeUndefined();
    expect(route(api.root, 'GET', '/nope')).toBeUndefined();
    expect(route(api.root, 'GET', '/')).toBeUndefined();
  });
});
