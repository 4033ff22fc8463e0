import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalResource } from '../types';
import { startApiGateway, type LocalApiGateway } from './index';
import {
  ACCOUNT,
  CARRIER_UPDATE,
  FakeFunctions,
  ORDERS_API,
  REGION,
  WEBHOOK_API,
  ordersResources,
  policy,
  webhookResources,
} from './test-fixtures';

/* eslint-disable @typescript-eslint/no-explicit-any */

const BASE_ARN = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${ORDERS_API}/local`;
const allowAll = {
  principalId: 'c-1',
  policyDocument: policy('Allow', [`${BASE_ARN}/*`]),
  context: { customerId: 'c-1', role: 'customer' },
};

let gw: LocalApiGateway | undefined;
let backend: Server | undefined;
let lines: { source: string; message: string; correlationId?: string }[] = [];

afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await new Promise((resolve) => (backend ? backend.close(resolve) : resolve(undefined)));
  backend = undefined;
  lines = [];
});

async function start(
  handlers: Record<string, (event: any) => unknown>,
  resources: LocalResource[] = [...ordersResources(), ...webhookResources()],
  awsEndpoint = 'http://127.0.0.1:9',
) {
  const functions = new FakeFunctions(handlers);
  gw = await startApiGateway({
    resources,
    stage: 'local',
    functions,
    awsEndpoint,
    region: REGION,
    accountId: ACCOUNT,
    log: { line: (source, message, correlationId) => lines.push({ source, message, correlationId }) },
  });
  const baseUrl = (id: string) => (resources.some((r) => r.physicalId === id) ? gw!.baseUrlOf(id) : '');
  return { gw, functions, orders: baseUrl(ORDERS_API), webhook: baseUrl(WEBHOOK_API) };
}

/** A stand-in AWS endpoint that records requests and answers with `status`. */
async function fakeAws(status: number, body = '<SendMessageResponse/>') {
  const received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  backend = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: data });
      res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve) => backend!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`, received };
}

const bearer = { Authorization: 'Bearer t-1' };

describe('routing', () => {
  it('answers 403 Missing Authentication Token for unknown APIs, routes and methods', async () => {
    const { gw, orders } = await start({ 'op-orders-local-health': () => ({ statusCode: 200, body: 'ok' }) });
    for (const [method, url] of [
      ['GET', `${gw.url}/nope/health`],
      ['GET', `${orders}/nope`],
      ['DELETE', `${orders}/health`],
      ['OPTIONS', `${orders}/health`],
    ] as const) {
      const res = await fetch(url, { method });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    expect((await fetch(`${orders}/health`)).status).toBe(200);
  });

  it('serves each API under its service name and logs one line per request', async () => {
    const { gw, orders } = await start({ 'op-orders-local-health': () => ({ statusCode: 204 }) });
    expect(orders).toBe(`${gw.url}/orders`);
    const res = await fetch(`${orders}/health`);
    expect(res.status).toBe(204);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.source).toBe('apigw');
    expect(lines[0]!.message).toMatch(/^GET \/orders\/health 204 \d+ ms$/);
    expect(lines[0]!.correlationId).toBe(res.headers.get('x-amzn-requestid'));
  });
});

describe('Lambda proxy integration', () => {
  it('builds the REST v1 proxy event and maps the result back', async () => {
    const { functions, orders } = await start({
      'op-auth-local-gatekeeper': () => allowAll,
      'op-orders-local-getOrder': () => ({
        statusCode: 201,
        headers: { 'Content-Type': 'text/plain', 'X-One': 'a' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: 'created',
      }),
    });
    const res = await fetch(`${orders}/orders/o%2D1?x=1&x=2&y=b%20c`, {
      headers: { ...bearer, 'X-Multi': 'v1', 'User-Agent': 'test-agent' },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('created');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-one')).toBe('a');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);

    const event = functions.callsTo('op-orders-local-getOrder')[0]!.event;
    expect(event).toMatchObject({
      resource: '/orders/{orderId}',
      path: '/orders/o%2D1',
      httpMethod: 'GET',
      queryStringParameters: { x: '2', y: 'b c' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['b c'] },
      pathParameters: { orderId: 'o-1' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      Authorization: 'Bearer t-1',
      'X-Multi': 'v1',
      'User-Agent': 'test-agent',
    });
    expect(event.multiValueHeaders['X-Multi']).toEqual(['v1']);
    const ctx = event.requestContext;
    expect(ctx).toMatchObject({
      stage: 'local',
      resourcePath: '/orders/{orderId}',
      httpMethod: 'GET',
      path: '/orders/orders/o%2D1', // the base path, as behind a custom domain mapping
      accountId: ACCOUNT,
      apiId: ORDERS_API,
      identity: { sourceIp: '127.0.0.1', userAgent: 'test-agent' },
      authorizer: { principalId: 'c-1', customerId: 'c-1', role: 'customer' },
    });
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.requestId).toBe(res.headers.get('x-amzn-requestid'));
    expect(Math.abs(ctx.requestTimeEpoch - Date.now())).toBeLessThan(5000);
  });

  it('passes the body as a string and decodes a base64 result', async () => {
    const { functions, orders } = await start({
      'op-auth-local-gatekeeper': () => allowAll,
      'op-orders-local-createOrder': () => ({
        statusCode: 200,
        body: Buffer.from([0, 1, 2]).toString('base64'),
        isBase64Encoded: true,
      }),
    });
    const res = await fetch(`${orders}/orders`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"items":[]}',
    });
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 2]);
    expect(functions.callsTo('op-orders-local-createOrder')[0]!.event.body).toBe('{"items":[]}');
  });

  it('answers 502 Internal server error when the function fails or answers malformed output', async () => {
    let result: unknown;
    const { orders } = await start({
      'op-orders-local-health': () => {
        if (result instanceof Error) throw result;
        return result;
      },
    });
    for (const r of [
      new Error('boom'),
      { body: 'no status' },
      { statusCode: 200, body: { not: 'a string' } },
      { statusCode: 200, extra: 1 },
      'text',
    ]) {
      result = r;
      const res = await fetch(`${orders}/health`);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ message: 'Internal server error' });
    }
    expect(lines.at(-1)!.message).toMatch(/502 \d+ ms \(Malformed Lambda proxy response/);
  });

  it('answers 504 past the integration timeout', async () => {
    const resources = ordersResources().map((r) =>
      r.logicalId === 'ApiGatewayMethodHealthGet'
        ? {
            ...r,
            properties: {
              ...r.properties,
              Integration: { ...r.properties.Integration, TimeoutInMillis: 50 },
            },
          }
        : r,
    );
    const { orders } = await start(
      {
        'op-orders-local-health': () =>
          new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 300)),
      },
      resources,
    );
    const res = await fetch(`${orders}/health`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ message: 'Endpoint request timed out' });
  });
});

describe('Lambda authorizers', () => {
  const ok = () => ({ statusCode: 200, body: '{}' });

  it('answers 401 without calling the authorizer when the token is missing or fails the expression', async () => {
    const { functions, orders } = await start({
      'op-auth-local-gatekeeper': () => allowAll,
      'op-orders-local-getOrder': ok,
    });
    for (const headers of [{}, { Authorization: 'Basic abc' }] as Record<string, string>[]) {
      const res = await fetch(`${orders}/orders/o-1`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
    }
    expect(functions.callsTo('op-auth-local-gatekeeper')).toHaveLength(0);
  });

  it('maps the authorizer throwing Unauthorized to 401 and any other failure to 500', async () => {
    let error = 'Unauthorized';
    const { functions, orders } = await start({
      'op-auth-local-gatekeeper': () => {
        throw new Error(error);
      },
      'op-orders-local-getOrder': ok,
    });
    let res = await fetch(`${orders}/orders/o-1`, { headers: bearer });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
    error = 'Cannot reach the JWKS';
    res = await fetch(`${orders}/orders/o-1`, { headers: { Authorization: 'Bearer t-2' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: null });
    expect(functions.callsTo('op-orders-local-getOrder')).toHaveLength(0);
    expect(functions.callsTo('op-auth-local-gatekeeper')[0]!.event).toEqual({
      type: 'TOKEN',
      authorizationToken: 'Bearer t-1',
      methodArn: `${BASE_ARN}/GET/orders/o-1`,
    });
  });

  it('answers 403 for an explicit deny and for a policy that does not allow the route', async () => {
    const { orders } = await start({
      'op-auth-local-gatekeeper': (event) =>
        event.authorizationToken === 'Bearer deny'
          ? { principalId: 'c-1', policyDocument: policy('Deny', [`${BASE_ARN}/*`]) }
          : { principalId: 'c-1', policyDocument: policy('Allow', [`${BASE_ARN}/POST/orders`]) },
      'op-orders-local-getOrder': ok,
    });
    let res = await fetch(`${orders}/orders/o-1`, { headers: { Authorization: 'Bearer deny' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      Message: 'User is not authorized to access this resource with an explicit deny',
    });
    res = await fetch(`${orders}/orders/o-1`, { headers: { Authorization: 'Bearer other' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ Message: 'User is not authorized to access this resource' });
  });

  it('caches the result per token for the TTL and evaluates the cached policy for each route', async () => {
    const { functions, orders } = await start({
      'op-auth-local-gatekeeper': () => ({
        principalId: 'c-1',
        policyDocument: policy('Allow', [`${BASE_ARN}/GET/orders/*`]),
        context: { customerId: 'c-1', n: 7, admin: false },
      }),
      'op-orders-local-getOrder': ok,
      'op-orders-local-createOrder': ok,
    });
    expect((await fetch(`${orders}/orders/o-1`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${orders}/orders/o-2`, { headers: bearer })).status).toBe(200);
    expect(functions.callsTo('op-auth-local-gatekeeper')).toHaveLength(1);
    // Same token, other route: the cached policy does not allow it.
    expect((await fetch(`${orders}/orders`, { method: 'POST', headers: bearer })).status).toBe(403);
    expect(functions.callsTo('op-auth-local-gatekeeper')).toHaveLength(1);
    // Another token is another cache entry.
    await fetch(`${orders}/orders/o-1`, { headers: { Authorization: 'Bearer t-2' } });
    expect(functions.callsTo('op-auth-local-gatekeeper')).toHaveLength(2);
    // Context values reach the function as strings.
    expect(functions.callsTo('op-orders-local-getOrder')[1]!.event.requestContext.authorizer).toMatchObject({
      principalId: 'c-1',
      customerId: 'c-1',
      n: '7',
      admin: 'false',
    });
  });

  it('runs a REQUEST authorizer with the request (identity sources optional without a cache)', async () => {
    const { functions, orders } = await start({
      'op-auth-local-files': (event) => ({
        principalId: event.headers['X-Tenant'],
        policyDocument: policy('Allow', [event.methodArn]),
      }),
      'op-orders-local-files': ok,
    });
    const res = await fetch(`${orders}/files/a/b.txt?sig=s1`, {
      method: 'PUT',
      headers: { 'X-Tenant': 't-1' },
    });
    expect(res.status).toBe(200);
    expect(functions.callsTo('op-auth-local-files')[0]!.event).toMatchObject({
      type: 'REQUEST',
      methodArn: `${BASE_ARN}/PUT/files/a/b.txt`,
      resource: '/files/{proxy+}',
      path: '/files/a/b.txt',
      httpMethod: 'PUT',
      queryStringParameters: { sig: 's1' },
      pathParameters: { proxy: 'a/b.txt' },
    });
    // TTL 0: no cache, every call runs the authorizer, even without the identity sources.
    await fetch(`${orders}/files/a/b.txt?sig=s1`, { headers: { 'X-Tenant': 't-1' } });
    await fetch(`${orders}/files/a/b.txt`, { headers: { 'X-Tenant': 't-1' } });
    expect(functions.callsTo('op-auth-local-files')).toHaveLength(3);
  });

  it('401s a cached REQUEST authorizer call that lacks an identity source', async () => {
    const resources = ordersResources().map((r) =>
      r.logicalId === 'FilesApiGatewayAuthorizer'
        ? { ...r, properties: { ...r.properties, AuthorizerResultTtlInSeconds: 60 } }
        : r,
    );
    const { functions, orders } = await start({ 'op-auth-local-files': () => ({}) }, resources);
    const res = await fetch(`${orders}/files/a.txt`, { headers: { 'X-Tenant': 't-1' } });
    expect(res.status).toBe(401);
    expect(functions.callsTo('op-auth-local-files')).toHaveLength(0);
  });
});

describe('API keys, validation and AWS integrations', () => {
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('generates a 40-character key and 403s calls without a valid key', async () => {
    const aws = await fakeAws(200);
    const { gw, webhook } = await start({}, undefined, aws.url);
    const key = gw.apiKeys['op-webhook-carrier-local']!;
    expect(key).toMatch(/^[A-Za-z0-9]{40}$/);
    for (const headers of [{}, { 'x-api-key': 'wrong' }] as Record<string, string>[]) {
      const res = await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Forbidden' });
    }
    expect(aws.received).toHaveLength(0);
    expect((await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, { 'x-api-key': key })).status).toBe(
      202,
    );
  });

  it('rejects a disabled key, or one not in a plan for this API and stage', async () => {
    const resources = webhookResources().map((r) =>
      r.type === 'AWS::ApiGateway::UsagePlan'
        ? { ...r, properties: { ...r.properties, ApiStages: [{ ApiId: WEBHOOK_API, Stage: 'prod' }] } }
        : r.type === 'AWS::ApiGateway::ApiKey'
          ? { ...r, properties: { ...r.properties, Value: 'k'.repeat(30) } }
          : r,
    );
    const { gw, webhook } = await start({}, resources);
    expect(gw.apiKeys['op-webhook-carrier-local']).toBe('k'.repeat(30));
    const res = await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, { 'x-api-key': 'k'.repeat(30) });
    expect(res.status).toBe(403);
  });

  it('throttles a key past its usage plan burst with 429', async () => {
    const aws = await fakeAws(200);
    const resources = webhookResources().map((r) =>
      r.type === 'AWS::ApiGateway::UsagePlan'
        ? { ...r, properties: { ...r.properties, Throttle: { BurstLimit: 2, RateLimit: 0.01 } } }
        : r,
    );
    const { gw, webhook } = await start({}, resources, aws.url);
    const headers = { 'x-api-key': gw.apiKeys['op-webhook-carrier-local']! };
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, headers)).status);
    expect(statuses).toEqual([202, 202, 429]);
    const res = await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, headers);
    expect(await res.json()).toEqual({ message: 'Too Many Requests' });
  });

  it('answers an invalid body with the BAD_REQUEST_BODY gateway response', async () => {
    const aws = await fakeAws(200);
    const { gw, webhook } = await start({}, undefined, aws.url);
    const headers = { 'x-api-key': gw.apiKeys['op-webhook-carrier-local']! };
    const { carrier: _c, eventId: _e, ...rest } = CARRIER_UPDATE;
    const res = await post(`${webhook}/webhooks/carrier`, { ...rest, status: 'lost', orderId: 'x' }, headers);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('object has missing required properties (["carrier","eventId"])');
    expect(body.error.message).toContain('instance value ("lost") not found in enum');
    expect(body.error.message).toContain(
      'ECMA 262 regex "^ord_[0-9A-HJKMNP-TV-Z]{26}$" does not match input string "x"',
    );
    expect(aws.received).toHaveLength(0);

    const malformed = await post(`${webhook}/webhooks/carrier`, '{not json', headers);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe('VALIDATION_FAILED');
  });

  it('answers a deeply nested value with a 400 that names it, not a 500', async () => {
    const aws = await fakeAws(200);
    const { gw, webhook } = await start({}, undefined, aws.url);
    const headers = { 'x-api-key': gw.apiKeys['op-webhook-carrier-local']! };
    const depth = 100_000;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = JSON.stringify({ ...CARRIER_UPDATE, status: 'NESTED' }).replace('"NESTED"', nested);
    const res = await post(`${webhook}/webhooks/carrier`, body, headers);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('VALIDATION_FAILED');
    expect(answer.error.message).toContain('instance type (array) does not match');
    expect(answer.error.message).toContain('too deeply nested to show');
    expect(aws.received).toHaveLength(0);
  });

  it('answers missing required parameters with the default 400', async () => {
    const { orders } = await start({ 'op-orders-local-search': () => ({ statusCode: 200, body: '[]' }) });
    const res = await fetch(`${orders}/orders/search`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'Missing required request parameters: [q]' });
    expect((await fetch(`${orders}/orders/search?q=x`)).status).toBe(200);
  });

  it('sends the rendered SQS request to the AWS endpoint and maps the response', async () => {
    const aws = await fakeAws(200);
    const { gw, webhook } = await start({}, undefined, aws.url);
    const res = await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, {
      'x-api-key': gw.apiKeys['op-webhook-carrier-local']!,
    });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-amzn-requestid');
    expect(await res.json()).toEqual({ accepted: true, requestId });
    const [sent] = aws.received;
    expect(sent!.method).toBe('POST');
    expect(sent!.url).toBe(`/${ACCOUNT}/op-webhook-local-carrier`);
    expect(sent!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent!.headers.authorization).toContain(`/${REGION}/sqs/aws4_request`);
    const form = new URLSearchParams(sent!.body);
    expect(form.get('Action')).toBe('SendMessage');
    expect(JSON.parse(form.get('MessageBody')!)).toEqual(CARRIER_UPDATE);
    expect(form.get('MessageAttribute.1.Value.StringValue')).toBe(requestId);
  });

  it('maps a 4xx from the backend through the SelectionPattern response', async () => {
    const aws = await fakeAws(400, '<ErrorResponse/>');
    const { gw, webhook } = await start({}, undefined, aws.url);
    const res = await post(`${webhook}/webhooks/carrier`, CARRIER_UPDATE, {
      'x-api-key': gw.apiKeys['op-webhook-carrier-local']!,
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The update could not be queued; retry' },
    });
  });

  it('answers 415 for a content type without a template when PassthroughBehavior is NEVER', async () => {
    const aws = await fakeAws(200);
    const { gw, webhook } = await start({}, undefined, aws.url);
    const res = await fetch(`${webhook}/webhooks/carrier`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-api-key': gw.apiKeys['op-webhook-carrier-local']! },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ message: 'Unsupported Media Type' });
    expect(aws.received).toHaveLength(0);
  });
});

describe('gateway responses', () => {
  it('applies DEFAULT_4XX to gateway errors, a specific type winning over it', async () => {
    const extra = (logicalId: string, props: Record<string, unknown>): LocalResource => ({
      stack: 'services/orders',
      service: 'op-orders',
      logicalId,
      type: 'AWS::ApiGateway::GatewayResponse',
      physicalId: logicalId,
      properties: { RestApiId: ORDERS_API, ...props },
      attributes: {},
    });
    const resources = [
      ...ordersResources(),
      extra('Default4xx', {
        ResponseType: 'DEFAULT_4XX',
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
        ResponseTemplates: {
          'application/json':
            '{"error":{"type":"$context.error.responseType","message":$context.error.messageString}}',
        },
      }),
      extra('Unauthorized', {
        ResponseType: 'UNAUTHORIZED',
        StatusCode: '401',
        ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" },
        ResponseTemplates: {
          'application/json': '{"error":{"code":"UNAUTHENTICATED","requestId":"$context.requestId"}}',
        },
      }),
    ];
    const { orders } = await start({}, resources);
    let res = await fetch(`${orders}/nope`);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      error: { type: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token' },
    });

    res = await fetch(`${orders}/orders/o-1`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', requestId: res.headers.get('x-amzn-requestid') },
    });
  });
});

describe('MOCK and Lambda custom integrations', () => {
  const method = (logicalId: string, props: Record<string, unknown>): LocalResource => ({
    stack: 'services/orders',
    service: 'op-orders',
    logicalId,
    type: 'AWS::ApiGateway::Method',
    physicalId: logicalId,
    properties: { RestApiId: ORDERS_API, ResourceId: 'res-health', AuthorizationType: 'NONE', ...props },
    attributes: {},
  });

  it('answers a CORS preflight from a MOCK integration and maps a Lambda custom integration', async () => {
    const resources = [
      ...ordersResources(),
      method('ApiGatewayMethodHealthOptions', {
        HttpMethod: 'OPTIONS',
        Integration: {
          Type: 'MOCK',
          RequestTemplates: { 'application/json': '{"statusCode": 200}' },
          IntegrationResponses: [
            {
              StatusCode: '200',
              ResponseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" },
              ResponseTemplates: { 'application/json': '' },
            },
          ],
        },
      }),
      method('ApiGatewayMethodHealthPut', {
        HttpMethod: 'PUT',
        Integration: {
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          Uri: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${ACCOUNT}:function:op-orders-local-setHealth/invocations`,
          RequestTemplates: {
            'application/json': '{"mode":$input.json(\'$.mode\'),"id":"$context.requestId"}',
          },
          IntegrationResponses: [
            { StatusCode: '200', ResponseTemplates: { 'application/json': '{"ok":$input.json(\'$.ok\')}' } },
            {
              StatusCode: '409',
              SelectionPattern: 'Conflict.*',
              ResponseTemplates: { 'application/json': '{"error":"$input.path(\'$.errorMessage\')"}' },
            },
          ],
        },
      }),
    ];
    const { functions, orders } = await start(
      {
        'op-orders-local-setHealth': (event) => {
          if (event.mode === 'bad') throw new Error('Conflict: already bad');
          return { ok: true };
        },
      },
      resources,
    );
    const preflight = await fetch(`${orders}/health`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');

    const put = (mode: string) =>
      fetch(`${orders}/health`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode }),
      });
    let res = await put('good');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(functions.calls[0]!.event).toEqual({ mode: 'good', id: res.headers.get('x-amzn-requestid') });
    res = await put('bad');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: 'Conflict: already bad' });
  });
});
