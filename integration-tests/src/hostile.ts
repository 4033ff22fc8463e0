/**
 * The hostile-input corpus (corpus/hostile.json, described in corpus/README.md) played
 * against the running platform. Each case is one HTTP request, written as data; this
 * module turns it into bytes (tokens forged or tampered with as the case asks, webhook
 * bodies signed with the platform's own secret or a wrong one, huge or deeply nested
 * bodies generated from a small template) and judges the answer: a 4xx (the one the case
 * names, when it names one) whose body says why, within a deadline.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKeys } from '../../services/auth/src/dev/dev-issuer';
import { computeSignature, SIGNATURE_HEADER } from '../../services/webhook/src/client/signature';
import type { PlatformClient } from './client';
import { repoRoot } from './target';

/** How a case authenticates (bearer routes): a valid token or one of the forgeries. */
export type TokenKind =
  | 'self'
  | 'other'
  | 'admin'
  | 'none'
  | 'alg-none'
  | 'hs256-public-key'
  | 'other-key'
  | 'expired'
  | 'iat-future'
  | 'nbf-future'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'no-exp'
  | 'no-sub'
  | 'sub-wildcard'
  | 'sub-path'
  | 'role-unknown'
  | 'tampered-role'
  | 'tampered-sub'
  | 'truncated'
  | 'garbage'
  | 'empty-bearer'
  | 'basic-scheme'
  | 'huge'
  | 'crit-header'
  | 'jku-header';

/** Replaces the string `"$NAME"` in a serialised body template with a generated value. */
export type Fill =
  | { nest: 'array' | 'object'; depth: number }
  | { repeat: string; count: number }
  | { item: unknown; count: number };

/** The Payment-Signature a webhook case carries: computed over the bytes sent, or over others. */
export interface SignSpec {
  secret: 'platform' | 'wrong';
  /** Seconds added to now for the `t=` timestamp (stale: negative, future: positive). */
  skewSeconds?: number;
  /** Sign other bytes than the ones sent (a replayed signature on a changed body). */
  over?: string;
}

export interface HostileCase {
  id: string;
  category: string;
  /** The API (docs/openapi/<api>.json) and its route as documented there. */
  api: string;
  route: string;
  /**
   * Another API that serves the same route and is sent the case instead (the storefront
   * API fronts the catalog's product reads): `api` still names the documented route.
   */
  via?: string;
  /** What goes on the wire; defaults come from the route. */
  method?: string;
  /**
   * Raw path inside the API. Here, in `query` and in header values, placeholders stand for
   * what the setup made: {self} {selfUpper} {other} {ownOrder} {otherOrder} {ownKey}
   * {otherKey} {carrierKey} {selfToken}.
   */
  path?: string;
  /** Raw query string, without `?`. */
  query?: string;
  /**
   * A forged pagination cursor: this JSON (placeholders replaced), base64url-encoded the
   * way the lists encode theirs, sent as `cursor=` after `query`.
   */
  cursor?: unknown;
  auth?: TokenKind;
  /** Carrier route: the x-api-key header (`valid`, `none`, or the literal value to send). */
  apiKey?: string;
  headers?: Record<string, string>;
  /** The Content-Type header; null sends none. Default application/json when there is a body. */
  contentType?: string | null;
  json?: unknown;
  raw?: string;
  /** Base64 of raw bytes (invalid UTF-8 and the like). */
  base64?: string;
  fill?: Record<string, Fill>;
  sign?: SignSpec;
  /** Send this Payment-Signature header as is. */
  signature?: string;
  /** The status (or statuses) expected; every one must be a 4xx. */
  status: number | number[];
  /** A pattern (case-insensitive) the answer's body must match: the reason it gives. */
  reason?: string;
  why: string;
}

export interface Corpus {
  cases: HostileCase[];
}

export function loadCorpus(): Corpus {
  return JSON.parse(
    readFileSync(join(repoRoot, 'integration-tests', 'corpus', 'hostile.json'), 'utf8'),
  ) as Corpus;
}

/** Who the corpus acts as, and what it may point at (made by the test's setup). */
export interface Actors {
  self: string;
  other: string;
  ownOrder: string;
  otherOrder: string;
  /** The Idempotency-Keys the two orders were placed with. */
  ownKey: string;
  otherKey: string;
}

export interface Outcome {
  case: HostileCase;
  status: number;
  body: string;
  ms: number;
  /** Why the answer does not pass (empty when it does). */
  problems: string[];
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Builds every token kind once (they do not depend on the case). */
export async function tokensFor(client: PlatformClient, actors: Actors): Promise<Map<TokenKind, string>> {
  const keys = await loadOrCreateDevKeys();
  const now = Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
    sub: actors.self,
    role: 'customer',
    iat: now,
    exp: now + 3600,
    ...over,
  });
  const signed = (
    payload: Record<string, unknown>,
    key = keys.privateKey,
    header: Record<string, unknown> = {},
  ) =>
    new SignJWT(Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)))
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid, ...header })
      .sign(key);
  const self = await client.token(actors.self);
  const [head, , sig] = self.split('.') as [string, string, string];
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const hsHeader = b64url({ alg: 'HS256', typ: 'JWT', kid: keys.kid });
  const hsPayload = b64url(claims());
  const hsSig = createHmac('sha256', keys.publicKeyPem)
    .update(`${hsHeader}.${hsPayload}`)
    .digest('base64url');
  const tokens: [TokenKind, string][] = [
    ['self', self],
    ['other', await client.token(actors.other)],
    ['admin', await client.token('c-hostile-admin', 'admin')],
    ['alg-none', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`],
    ['hs256-public-key', `${hsHeader}.${hsPayload}.${hsSig}`],
    ['other-key', await signed(claims(), otherKey)],
    ['expired', await signed(claims({ iat: now - 7200, exp: now - 3600 }))],
    ['iat-future', await signed(claims({ iat: now + 3600, exp: now + 7200 }))],
    ['nbf-future', await signed(claims({ nbf: now + 3600 }))],
    ['wrong-audience', await signed(claims({ aud: 'someone-else' }))],
    ['wrong-issuer', await signed(claims({ iss: 'https://evil.example' }))],
    ['no-exp', await signed(claims({ exp: undefined }))],
    ['no-sub', await signed(claims({ sub: undefined }))],
    ['sub-wildcard', await signed(claims({ sub: '*' }))],
    ['sub-path', await signed(claims({ sub: `${actors.self}/../${actors.other}` }))],
    ['role-unknown', await signed(claims({ role: 'superuser' }))],
    ['tampered-role', `${head}.${b64url(claims({ role: 'admin' }))}.${sig}`],
    ['tampered-sub', `${head}.${b64url(claims({ sub: actors.other }))}.${sig}`],
    ['truncated', self.slice(0, -12)],
    // jose will not sign a critical header it does not know: signed by hand.
    [
      'crit-header',
      rawSigned(
        { alg: 'ES256', typ: 'JWT', kid: keys.kid, crit: ['x-hostile'], 'x-hostile': 1 },
        claims(),
        keys.privateKey,
      ),
    ],
    ['jku-header', await signed(claims(), otherKey, { jku: 'https://evil.example/jwks.json' })],
  ];
  return new Map(tokens);
}

/** A compact ES256 JWS over any header (P-256 signature in JOSE's r||s form). */
function rawSigned(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function authorization(kind: TokenKind, tokens: Map<TokenKind, string>): string | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'garbage':
      return 'Bearer not.a.jwt';
    case 'empty-bearer':
      return 'Bearer ';
    case 'basic-scheme':
      return `Basic ${Buffer.from('admin:admin').toString('base64')}`;
    case 'huge':
      return `Bearer ${'a'.repeat(9_000)}`;
    default: {
      const token = tokens.get(kind);
      if (!token) throw new Error(`unknown token kind ${kind}`);
      return `Bearer ${token}`;
    }
  }
}

function generated(fill: Fill): string {
  if ('nest' in fill)
    return fill.nest === 'array'
      ? `${'['.repeat(fill.depth)}${']'.repeat(fill.depth)}`
      : `${'{"a":'.repeat(fill.depth)}1${'}'.repeat(fill.depth)}`;
  if ('repeat' in fill) return JSON.stringify(fill.repeat.repeat(fill.count));
  const item = JSON.stringify(fill.item);
  return `[${Array.from({ length: fill.count }, () => item).join(',')}]`;
}

function bodyOf(c: HostileCase): Buffer | undefined {
  if (c.base64 !== undefined) return Buffer.from(c.base64, 'base64');
  if (c.raw !== undefined) return Buffer.from(c.raw, 'utf8');
  if (c.json === undefined) return undefined;
  let text = JSON.stringify(c.json);
  for (const [name, fill] of Object.entries(c.fill ?? {}))
    text = text.replace(`"${name}"`, () => generated(fill));
  return Buffer.from(text, 'utf8');
}

const ROUTE_DEFAULTS: Record<string, string> = {
  '{customerId}': '{self}',
  '{orderId}': '{ownOrder}',
  '{sku}': 'MUG-LOGO',
};

/** The routes behind an API key, and the valid key a case sends unless it says otherwise. */
const API_KEY_ROUTES: Record<string, (e: PlatformClient['endpoints']) => string | undefined> = {
  'POST /webhooks/carrier': (e) => e.carrierApiKey,
  'POST /clickstream': (e) => e.clickstreamApiKey,
};

function placeholders(text: string, ctx: RunContext): string {
  const { actors } = ctx;
  return text
    .replaceAll('{selfToken}', ctx.tokens.get('self') ?? '')
    .replaceAll('{selfUpper}', actors.self.toUpperCase())
    .replaceAll('{self}', actors.self)
    .replaceAll('{other}', actors.other)
    .replaceAll('{ownOrder}', actors.ownOrder)
    .replaceAll('{otherOrder}', actors.otherOrder)
    .replaceAll('{ownKey}', actors.ownKey)
    .replaceAll('{otherKey}', actors.otherKey)
    .replaceAll('{carrierKey}', ctx.client.endpoints.carrierApiKey ?? '');
}

function pathOf(c: HostileCase, ctx: RunContext): string {
  let path = c.path ?? c.route.slice(c.route.indexOf(' ') + 1);
  for (const [param, value] of Object.entries(ROUTE_DEFAULTS)) path = path.replaceAll(param, value);
  const query = [
    ...(c.query !== undefined ? [placeholders(c.query, ctx)] : []),
    ...(c.cursor !== undefined
      ? [`cursor=${Buffer.from(placeholders(JSON.stringify(c.cursor), ctx)).toString('base64url')}`]
      : []),
  ].join('&');
  return placeholders(path, ctx) + (query ? `?${query}` : '');
}

export interface RunContext {
  client: PlatformClient;
  actors: Actors;
  tokens: Map<TokenKind, string>;
  signingSecret: string;
  /** A request with no answer after this long is a hang. */
  timeoutMs: number;
}

/** One case over the wire (node:http, so that raw paths, odd methods and headers go as written). */
export async function runCase(c: HostileCase, ctx: RunContext): Promise<Outcome> {
  const base = ctx.client.endpoints.apis[c.via ?? c.api];
  if (!base) throw new Error(`${c.id}: the target has no ${c.via ?? c.api} API`);
  const url = new URL(base);
  const method = c.method ?? c.route.slice(0, c.route.indexOf(' '));
  const body = bodyOf(c);
  const headers: Record<string, string> = {};
  if (body !== undefined && c.contentType !== null)
    headers['content-type'] = c.contentType ?? 'application/json';
  if (c.contentType && body === undefined) headers['content-type'] = c.contentType;
  const bearer = !['catalog', 'webhook', 'analytics'].includes(c.api) && c.route !== 'GET /health';
  const auth = authorization(c.auth ?? (bearer ? 'self' : 'none'), ctx.tokens);
  if (auth !== undefined) headers.authorization = auth;
  const routeKey = API_KEY_ROUTES[c.route];
  if (routeKey) {
    const key = c.apiKey ?? 'valid';
    if (key === 'valid') headers['x-api-key'] = routeKey(ctx.client.endpoints) ?? '';
    else if (key !== 'none') headers['x-api-key'] = key;
  }
  if (c.sign) {
    const t = Math.floor(Date.now() / 1000) + (c.sign.skewSeconds ?? 0);
    const secret = c.sign.secret === 'platform' ? ctx.signingSecret : randomBytes(24).toString('hex');
    const signed = c.sign.over ?? body?.toString('utf8') ?? '';
    headers[SIGNATURE_HEADER] = `t=${t},v1=${computeSignature(secret, signed, t)}`;
  }
  if (c.signature !== undefined) headers[SIGNATURE_HEADER] = c.signature;
  for (const [name, value] of Object.entries(c.headers ?? {})) headers[name] = placeholders(value, ctx);
  const path = `${url.pathname.replace(/\/$/, '')}${pathOf(c, ctx)}`;

  const started = Date.now();
  const answer = await new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: ctx.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ error: `no answer within ${ctx.timeoutMs} ms (a hang)` });
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(body);
  });
  const ms = Date.now() - started;
  if ('error' in answer) return { case: c, status: 0, body: '', ms, problems: [answer.error] };
  return { case: c, ...answer, ms, problems: judge(c, answer.status, answer.body) };
}

/** The reason an answer gives: `error.message` (the platform's shape) or API Gateway's `message`. */
export function reasonOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as {
      error?: { message?: unknown };
      message?: unknown;
      Message?: unknown;
    };
    const reason = parsed.error?.message ?? parsed.message ?? parsed.Message;
    return typeof reason === 'string' && reason.trim() !== '' ? reason : undefined;
  } catch {
    return undefined;
  }
}

function judge(c: HostileCase, status: number, body: string): string[] {
  const problems: string[] = [];
  const expected = [c.status].flat();
  if (status >= 500) problems.push(`a ${status}: the platform failed instead of refusing`);
  else if (status < 400 || status >= 500) problems.push(`a ${status}: the request was not refused`);
  else if (!expected.includes(status)) problems.push(`a ${status}, expected ${expected.join(' or ')}`);
  if (status >= 400 && status < 500 && !reasonOf(body)) problems.push('the 4xx gives no reason');
  if (c.reason && !new RegExp(c.reason, 'i').test(body)) problems.push(`the body does not say /${c.reason}/`);
  return problems;
}

/** Runs every case, `concurrency` at a time; outcomes in corpus order. */
export async function runCorpus(cases: HostileCase[], ctx: RunContext, concurrency = 4): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const i = next++;
        outcomes[i] = await runCase(cases[i]!, ctx);
      }
    }),
  );
  return outcomes;
}

/** Every documented route (`api METHOD path`) of docs/openapi/*.json: each must have cases. */
export function documentedRoutes(): string[] {
  const dir = join(repoRoot, 'docs', 'openapi');
  const routes: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops))
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
          routes.push(`${file.slice(0, -5)} ${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}
