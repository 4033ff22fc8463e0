/**
 * A stand-in for the legacy storefront (the monolith the strangler wraps, P21), started
 * by `npm run dev` and the tests like the simulated payment provider. It serves the old
 * shop's pages as JSON, each marked `servedBy: legacy-storefront` (and an
 * `x-served-by` header) so a caller can tell who answered, and counts requests by path so
 * a test can see traffic leave it when a route moves to Lambda.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SERVED_BY = 'legacy-storefront';

export interface LegacyStorefront {
  url: string;
  /** Requests seen, by method and path (`GET /account`). */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

/** The old shop's product pages: what it still knows about a few SKUs. */
const LEGACY_PRODUCTS: Record<string, { name: string; price: string }> = {
  'MUG-LOGO': { name: 'Logo mug (legacy page)', price: 'EUR 12.00' },
  'GIFT-CARD-25': { name: 'Gift card 25 (legacy page)', price: 'EUR 25.00' },
};

type Page = { status: number; body: Record<string, unknown> };

function page(method: string, path: string, body: string): Page {
  if (path === '/' && method === 'GET')
    return { status: 200, body: { page: 'home', sections: ['deals', 'new'] } };
  if (path === '/account' && method === 'GET')
    return { status: 200, body: { page: 'account', note: 'accounts still live in the monolith' } };
  if (path === '/wishlist' && method === 'GET') return { status: 200, body: { page: 'wishlist', items: [] } };
  if (path === '/wishlist' && method === 'POST') {
    let item: unknown;
    try {
      item = JSON.parse(body);
    } catch {
      return { status: 400, body: { message: 'wishlist items are JSON' } };
    }
    return { status: 201, body: { page: 'wishlist', added: item } };
  }
  const product = /^\/products\/([^/]+)$/.exec(path);
  if (product && method === 'GET') {
    const sku = decodeURIComponent(product[1]!);
    const known = LEGACY_PRODUCTS[sku];
    return known
      ? { status: 200, body: { page: 'product', sku, ...known } }
      : { status: 404, body: { message: `no legacy page for ${sku}` } };
  }
  return { status: 404, body: { message: `the legacy storefront has no ${method} ${path}` } };
}

export async function startLegacyStorefront(
  opts: { host?: string; port?: number } = {},
): Promise<LegacyStorefront> {
  const requests = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://legacy').pathname;
    requests.set(`${method} ${path}`, (requests.get(`${method} ${path}`) ?? 0) + 1);
    const { status, body } = page(method, path, Buffer.concat(chunks).toString('utf8'));
    const text = JSON.stringify({ ...body, servedBy: SERVED_BY, path });
    res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': SERVED_BY });
    res.end(text);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, ok);
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
