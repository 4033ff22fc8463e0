/**
 * The incoming HTTP request, normalised once into what API Gateway exposes to mapping
 * templates, authorizers and the proxy event: header names as the client sent them
 * (single- and multi-value), the decoded query string and the raw body.
 */
import type { IncomingMessage } from 'node:http';

export interface GatewayRequest {
  method: string;
  /** The path inside the API, without base path or query string: `/orders/o-1`. */
  path: string;
  /** Header name as sent -> every value, in order. */
  multiValueHeaders: Record<string, string[]>;
  multiValueQuery: Record<string, string[]>;
  body: Buffer;
  sourceIp: string;
  /** When API Gateway received the request. */
  receivedAt: Date;
}

/** Case-insensitive header lookup (the last value, as API Gateway's single-value map has). */
export function headerOf(req: Pick<GatewayRequest, 'multiValueHeaders'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, values] of Object.entries(req.multiValueHeaders)) {
    if (key.toLowerCase() === wanted) found = values.at(-1);
  }
  return found;
}

/** The single-value view: the last value of each name. */
export function singleValues(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1) ?? '']));
}

/** The media type of a Content-Type header, without parameters: `application/json`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * A map from client-chosen names (query parameters, headers) to their values. No
 * prototype: a parameter named `constructor`, `toString` or `__proto__` is a name like any
 * other, not an inherited member that `??=` would keep and `.push` would fail on.
 */
function nameMap(): Record<string, string[]> {
  return Object.create(null) as Record<string, string[]>;
}

/** Decodes a query string as API Gateway does (`+` is a space, percent-escapes decoded). */
export function parseQuery(search: string): Record<string, string[]> {
  const out = nameMap();
  for (const [key, value] of new URLSearchParams(search)) (out[key] ??= []).push(value);
  return out;
}

/** Reads a Node request into a GatewayRequest; `path` is set by the caller once the API is known. */
export async function readRequest(req: IncomingMessage): Promise<{ request: GatewayRequest; url: URL }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const multiValueHeaders = nameMap();
  // rawHeaders keeps the client's casing and repeated headers, as API Gateway passes them on.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    (multiValueHeaders[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return {
    url,
    request: {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      multiValueHeaders,
      multiValueQuery: parseQuery(url.search),
      body: Buffer.concat(chunks),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      receivedAt: new Date(),
    },
  };
}
