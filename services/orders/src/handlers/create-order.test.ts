import { describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEvent } from 'aws-lambda';

vi.stubEnv('TABLE_NAME', 'unit-orders');
vi.stubEnv('PRICE_LINES_FUNCTION', 'unit-price-lines');
const { locationOf } = await import('./create-order');

const event = (path: string, contextPath?: string) =>
  ({ path, requestContext: contextPath ? { path: contextPath } : {} }) as unknown as APIGatewayProxyEvent;

describe('the Location of a created order', () => {
  it('is the path the request came in on plus the order id, so a client can follow it', () => {
    // API Gateway's default endpoint: the stage is in the path.
    expect(locationOf(event('/orders', '/dev/orders'), 'ord_1')).toBe('/dev/orders/ord_1');
    // Behind a custom domain with a base path (as the local runner serves each API).
    expect(locationOf(event('/orders', '/orders/orders'), 'ord_1')).toBe('/orders/orders/ord_1');
    expect(locationOf(event('/orders/'), 'ord_1')).toBe('/orders/ord_1');
  });
});
