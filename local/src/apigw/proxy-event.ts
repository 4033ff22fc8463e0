/**
 * The REST API (v1) Lambda proxy contract: the event API Gateway builds for an AWS_PROXY
 * integration, and how it maps the function's result back to HTTP. A result that is
 * not `{ statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded? }` is a
 * "Malformed Lambda proxy response": 502.
 */
import { GatewayError, type HttpResponse } from './gateway-responses';
import type { RestApi } from './model';
import { headerOf, mediaTypeOf, singleValues, type GatewayRequest } from './request';

export interface RequestScope {
  req: GatewayRequest;
  api: RestApi;
  requestId: string;
  stage: string;
  accountId: string;
  resourceId: string;
  resourcePath: string;
  pathParameters: Record<string, string>;
  /** Set once an authorizer ran. */
  authorizer?: Record<string, unknown>;
  apiKey?: { id: string; value: string };
  /** host:port the client called, for domainName. */
  host: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `09/Apr/2015:12:34:56 +0000`, API Gateway's requestTime. */
export function requestTimeOf(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** `requestContext` of the proxy event (also `$context` in mapping templates). */
export function requestContextOf(s: RequestScope): Record<string, unknown> {
  return {
    resourceId: s.resourceId,
    resourcePath: s.resourcePath,
    httpMethod: s.req.method,
    extendedRequestId: s.requestId,
    requestTime: requestTimeOf(s.req.receivedAt),
    // As behind a custom domain's base path mapping (what one port with a base path per
    // API is): the path the client called, base path included, so a URL built from it
    // (a Location header) can be followed.
    path: `/${s.api.basePath}${s.req.path}`,
    accountId: s.accountId,
    protocol: 'HTTP/1.1',
    stage: s.stage,
    domainPrefix: s.host.split('.')[0],
    requestTimeEpoch: s.req.receivedAt.getTime(),
    requestId: s.requestId,
    identity: {
      cognitoIdentityPoolId: null,
      accountId: null,
      cognitoIdentityId: null,
      caller: null,
      sourceIp: s.req.sourceIp,
      principalOrgId: null,
      accessKey: null,
      cognitoAuthenticationType: null,
      cognitoAuthenticationProvider: null,
      userArn: null,
      userAgent: headerOf(s.req, 'user-agent') ?? null,
      user: null,
      ...(s.apiKey ? { apiKey: s.apiKey.value, apiKeyId: s.apiKey.id } : {}),
    },
    domainName: s.host,
    apiId: s.api.id,
    ...(s.authorizer ? { authorizer: s.authorizer } : {}),
  };
}

/** True when API Gateway would base64-encode this body (BinaryMediaTypes of the API). */
export function isBinary(api: RestApi, contentType: string | undefined): boolean {
  const type = mediaTypeOf(contentType);
  if (!type) return false;
  return api.binaryMediaTypes.some((pattern) => {
    const [major, minor] = pattern.toLowerCase().split('/');
    const [tMajor, tMinor] = type.split('/');
    return (major === '*' || major === tMajor) && (minor === '*' || minor === tMinor);
  });
}

export function proxyEventOf(s: RequestScope): Record<string, unknown> {
  const query = s.req.multiValueQuery;
  const hasQuery = Object.keys(query).length > 0;
  const binary = isBinary(s.api, headerOf(s.req, 'content-type'));
  return {
    resource: s.resourcePath,
    path: s.req.path,
    httpMethod: s.req.method,
    headers: Object.keys(s.req.multiValueHeaders).length ? singleValues(s.req.multiValueHeaders) : null,
    multiValueHeaders: Object.keys(s.req.multiValueHeaders).length ? s.req.multiValueHeaders : null,
    queryStringParameters: hasQuery ? singleValues(query) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: Object.keys(s.pathParameters).length ? s.pathParameters : null,
    stageVariables: s.api.stageVariables,
    requestContext: requestContextOf(s),
    body: s.req.body.length ? s.req.body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: binary,
  };
}

const RESULT_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);
const isScalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);

function malformed(reason: string): GatewayError {
  return new GatewayError('DEFAULT_5XX', { cause: new Error(`Malformed Lambda proxy response: ${reason}`) });
}

/** Maps a proxy result to HTTP, or throws the 502 API Gateway answers for a malformed one. */
export function proxyResultToResponse(payload: unknown): HttpResponse {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw malformed('not an object');
  const result = payload as Record<string, unknown>;
  const extra = Object.keys(result).filter((k) => !RESULT_KEYS.has(k));
  if (extra.length) throw malformed(`unexpected field(s) ${extra.join(', ')}`);
  const status = Number(result.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw malformed('statusCode');
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') {
    throw malformed('body must be a string');
  }
  const headers: Record<string, string[]> = {};
  const multi = (result.multiValueHeaders ?? {}) as Record<string, unknown>;
  for (const [name, values] of Object.entries(multi)) {
    if (!Array.isArray(values) || !values.every(isScalar)) throw malformed(`multiValueHeaders.${name}`);
    headers[name] = values.map(String);
  }
  // Single-value headers are merged in after the multi-value ones, as API Gateway does.
  for (const [name, value] of Object.entries((result.headers ?? {}) as Record<string, unknown>)) {
    if (!isScalar(value)) throw malformed(`headers.${name}`);
    // A pair already in multiValueHeaders is not repeated.
    const existing = headers[name] ?? [];
    if (!existing.includes(String(value))) headers[name] = [...existing, String(value)];
  }
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = ['application/json'];
  }
  const body = (result.body as string | undefined) ?? '';
  return {
    status,
    headers,
    body: result.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}
