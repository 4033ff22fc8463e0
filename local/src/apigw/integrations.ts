/**
 * The integrations a method can have:
 * - AWS_PROXY: a Lambda proxy call through the FunctionRunner (502 if the function
 *   fails or answers malformed output, 504 past the integration timeout);
 * - AWS: an AWS service call (`arn:aws:apigateway:{region}:{service}:path/{path}`) sent
 *   to the local AWS endpoint (moto_server), with a VTL request template and
 *   integration responses chosen by SelectionPattern against the backend's status;
 * - HTTP / HTTP_PROXY: the same, or a plain forward, to the integration's URL;
 * - MOCK: the request template's `statusCode` selects the integration response.
 */
import type { FunctionRunner } from '../types';
import { GatewayError, parameterValue, type HttpResponse } from './gateway-responses';
import type { Integration, IntegrationResponse } from './model';
import { proxyEventOf, proxyResultToResponse, requestContextOf, type RequestScope } from './proxy-event';
import { headerOf, mediaTypeOf, singleValues } from './request';
import { renderTemplate, type TemplateInput } from './vtl';

/**
 * IAM, when the runner enforces it: a function is invoked only when its resource policy
 * (`AWS::Lambda::Permission`) admits apigateway.amazonaws.com from the method's ARN, and an
 * AWS service integration with `Credentials` is signed with that role's own access key and
 * sent to the IAM gateway, which checks the call against the role.
 */
export interface ApiGatewayIam {
  /** The IAM gateway's URL. */
  endpoint: string;
  /** The access key standing for an integration role (the gateway maps it to the role). */
  accessKeyOf(roleArn: string): string;
  canInvoke(
    fnUri: string,
    delivery: { principal: 'apigateway.amazonaws.com'; sourceArn: string },
  ): Promise<{ allowed: boolean; reason: string }>;
}

export interface IntegrationDeps {
  functions: FunctionRunner;
  awsEndpoint: string;
  region: string;
  iam?: ApiGatewayIam;
  /** Template origin -> the local stand-in's origin, for HTTP integrations. */
  httpOrigins?: ReadonlyMap<string, string>;
}

/** The ARN API Gateway invokes a function as: arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}. */
export function executeApiArnOf(scope: RequestScope, region: string): string {
  return `arn:aws:execute-api:${region}:${scope.accountId}:${scope.api.id}/${scope.stage}/${scope.req.method}${scope.resourcePath}`;
}

/**
 * API Gateway may not invoke a function its policy does not admit: the client gets 500
 * `{"message": "Internal server error"}` ("Invalid permissions on Lambda function" in the
 * execution log, the cause the runner logs).
 */
export async function assertInvokePermission(
  deps: IntegrationDeps,
  fnUri: string,
  sourceArn: string,
): Promise<void> {
  if (!deps.iam) return;
  const d = await deps.iam.canInvoke(fnUri, { principal: 'apigateway.amazonaws.com', sourceArn });
  if (!d.allowed)
    throw new GatewayError('API_CONFIGURATION_ERROR', {
      cause: new Error(
        `Execution failed due to configuration error: Invalid permissions on Lambda function ${fnUri}: lambda:InvokeFunction from ${sourceArn}: ${d.reason}`,
      ),
    });
}

function timeout(cause?: unknown): GatewayError {
  return new GatewayError('INTEGRATION_TIMEOUT', { cause });
}

/** Resolves after `ms`, or rejects with the 504 API Gateway answers past its timeout. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout(new Error(`No response within ${ms} ms`))), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export async function invokeLambdaProxy(
  scope: RequestScope,
  integration: Integration,
  deps: IntegrationDeps,
): Promise<HttpResponse> {
  if (!deps.functions.has(integration.uri)) {
    throw new GatewayError('DEFAULT_5XX', { cause: new Error(`Unknown function ${integration.uri}`) });
  }
  await assertInvokePermission(deps, integration.uri, executeApiArnOf(scope, deps.region));
  const result = await withTimeout(
    deps.functions.invoke(integration.uri, proxyEventOf(scope), { correlationId: scope.requestId }),
    integration.timeoutMs,
  );
  if (result.error) {
    throw new GatewayError('DEFAULT_5XX', {
      cause: new Error(`${result.error.errorType}: ${result.error.errorMessage}`),
    });
  }
  return proxyResultToResponse(result.payload);
}

/** `$input` and `$context` of the method request (request templates) or of the backend (responses). */
function templateInput(scope: RequestScope, body: string): TemplateInput {
  return {
    body,
    params: {
      path: scope.pathParameters,
      querystring: singleValues(scope.req.multiValueQuery),
      header: singleValues(scope.req.multiValueHeaders),
    },
    context: requestContextOf(scope),
    stageVariables: scope.api.stageVariables,
  };
}

function render(template: string, input: TemplateInput): string {
  try {
    return renderTemplate(template, input);
  } catch (cause) {
    throw new GatewayError('API_CONFIGURATION_ERROR', { cause });
  }
}

/** The request body after the request template (or passthrough), per PassthroughBehavior. */
function integrationBody(
  scope: RequestScope,
  integration: Integration,
): { body: string; contentType: string } {
  const contentType = mediaTypeOf(headerOf(scope.req, 'content-type')) ?? 'application/json';
  const raw = scope.req.body.toString('utf8');
  const template = integration.requestTemplates[contentType];
  if (template !== undefined) return { body: render(template, templateInput(scope, raw)), contentType };
  const hasTemplates = Object.keys(integration.requestTemplates).length > 0;
  if (
    integration.passthroughBehavior === 'NEVER' ||
    (integration.passthroughBehavior === 'WHEN_NO_TEMPLATES' && hasTemplates)
  ) {
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE');
  }
  return { body: raw, contentType };
}

/** The backend URL of an AWS or HTTP integration, with the mapped query string. */
function targetUrl(scope: RequestScope, integration: Integration, deps: IntegrationDeps): URL {
  const params = integration.requestParameters;
  const mapped = (prefix: string) =>
    Object.entries(params)
      .filter(([k]) => k.startsWith(prefix))
      .map(
        ([k, expr]) =>
          [k.slice(prefix.length), parameterValue(expr, scope.req, scope.pathParameters)] as const,
      )
      .filter((e): e is readonly [string, string] => e[1] !== undefined);

  let url: URL;
  if (integration.type === 'AWS') {
    const m = /^arn:[^:]+:apigateway:[^:]*:([^:]+):(path|action)\/(.*)$/.exec(integration.uri);
    if (!m)
      throw new GatewayError('API_CONFIGURATION_ERROR', { cause: new Error(`Bad URI ${integration.uri}`) });
    const [, , kind, rest] = m as unknown as [string, string, string, string];
    // A role to assume (Credentials) and IAM enforced: the call goes through the IAM gateway.
    const base = (integration.credentials && deps.iam ? deps.iam.endpoint : deps.awsEndpoint).replace(
      /\/$/,
      '',
    );
    url =
      kind === 'path' ? new URL(`${base}/${rest}`) : new URL(`${base}/?Action=${encodeURIComponent(rest)}`);
  } else {
    // `{name}` in an HTTP URL comes from integration.request.path.name, else the method's path parameter.
    const pathParams = Object.fromEntries(mapped('integration.request.path.'));
    url = new URL(
      integration.uri.replace(/\{([^}+]+)\+?\}/g, (_m, name: string) =>
        encodeURI(pathParams[name] ?? scope.pathParameters[name] ?? ''),
      ),
    );
    const standIn = deps.httpOrigins?.get(url.origin);
    if (standIn) url = new URL(`${standIn.replace(/\/$/, '')}${url.pathname}${url.search}`);
  }
  for (const [name, value] of mapped('integration.request.querystring.'))
    url.searchParams.append(name, value);
  return url;
}

/** The X-Amz-Target prefix of the JSON-protocol services an `action/` integration may call. */
const JSON_TARGET_PREFIXES: Record<string, string> = {
  kinesis: 'Kinesis_20131202',
  firehose: 'Firehose_20150804',
  dynamodb: 'DynamoDB_20120810',
  events: 'AWSEvents',
  states: 'AWSStepFunctions',
};

/** A stand-in SigV4 Authorization header: moto reads the service and region from it. */
function unsignedAuthorization(service: string, region: string, accessKeyId: string): string {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/${region}/${service}/aws4_request, SignedHeaders=host, Signature=local`;
}

async function send(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw timeout(error);
    throw new GatewayError('API_CONFIGURATION_ERROR', { cause: error });
  }
}

/** The integration response for a backend status: a SelectionPattern match, else the default. */
export function selectIntegrationResponse(
  responses: IntegrationResponse[],
  status: string | undefined,
): IntegrationResponse | undefined {
  return (
    (status !== undefined
      ? responses.find((r) => r.selectionPattern && new RegExp(`^(?:${r.selectionPattern})$`).test(status))
      : undefined) ?? responses.find((r) => !r.selectionPattern)
  );
}

function pickTemplate(
  templates: Record<string, string>,
  accept: string | undefined,
): [string, string] | undefined {
  const accepted = (accept ?? '').split(',').map((t) => mediaTypeOf(t));
  const byAccept = accepted.find((t) => t && templates[t] !== undefined);
  if (byAccept) return [byAccept, templates[byAccept]!];
  if (templates['application/json'] !== undefined) return ['application/json', templates['application/json']];
  return Object.entries(templates)[0];
}

/** Maps the backend's answer through the selected integration response. */
function methodResponse(
  scope: RequestScope,
  integration: Integration,
  backend: { status: number; headers: Headers; body: string },
  /** What SelectionPattern is matched against: the backend status, or a Lambda's errorMessage. */
  selectOn: string | undefined = String(backend.status),
): HttpResponse {
  const selected = selectIntegrationResponse(integration.integrationResponses, selectOn);
  if (!selected) {
    throw new GatewayError('API_CONFIGURATION_ERROR', {
      cause: new Error(`No integration response for ${JSON.stringify(selectOn)}`),
    });
  }
  const headers: Record<string, string[]> = {};
  for (const [key, expr] of Object.entries(selected.responseParameters)) {
    const name = key.replace(/^method\.response\.header\./, '');
    let value: string | undefined;
    if (expr.startsWith("'") && expr.endsWith("'")) value = expr.slice(1, -1);
    else if (expr.startsWith('integration.response.header.')) {
      value = backend.headers.get(expr.slice('integration.response.header.'.length)) ?? undefined;
    } else if (expr === 'integration.response.body') value = backend.body;
    if (value !== undefined) headers[name] = [value];
  }
  const template = pickTemplate(selected.responseTemplates, headerOf(scope.req, 'accept'));
  const body = template ? render(template[1], templateInput(scope, backend.body)) : backend.body;
  headers['Content-Type'] ??= [template?.[0] ?? 'application/json'];
  return { status: Number(selected.statusCode), headers, body: Buffer.from(body) };
}

/** AWS, HTTP and MOCK integrations (everything but AWS_PROXY). */
export async function callIntegration(
  scope: RequestScope,
  integration: Integration,
  deps: IntegrationDeps,
): Promise<HttpResponse> {
  if (integration.type === 'HTTP_PROXY') return httpProxy(scope, integration, deps);
  const { body, contentType } = integrationBody(scope, integration);

  if (integration.type === 'MOCK') {
    let status = 200;
    try {
      status = Number((JSON.parse(body || '{}') as { statusCode?: number }).statusCode ?? 200);
    } catch {
      // A MOCK request template that is not JSON selects the default response.
    }
    return methodResponse(scope, integration, { status, headers: new Headers(), body: '' });
  }

  const lambda = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(integration.uri);
  if (integration.type === 'AWS' && lambda) return lambdaCustom(scope, integration, deps, body);

  const url = targetUrl(scope, integration, deps);
  const headers = new Headers({ 'Content-Type': contentType });
  for (const [key, expr] of Object.entries(integration.requestParameters)) {
    if (!key.startsWith('integration.request.header.')) continue;
    const value = parameterValue(expr, scope.req, scope.pathParameters);
    if (value !== undefined) headers.set(key.slice('integration.request.header.'.length), value);
  }
  // A JSON-protocol service's `action/<Op>` is the operation its X-Amz-Target names.
  const action = /^arn:[^:]+:apigateway:[^:]*:([^:]+):action\/(.+)$/.exec(integration.uri);
  const targetPrefix = action ? JSON_TARGET_PREFIXES[action[1]!] : undefined;
  if (integration.type === 'AWS' && targetPrefix && !headers.has('x-amz-target'))
    headers.set('X-Amz-Target', `${targetPrefix}.${action![2]}`);
  if (integration.type === 'AWS' && !headers.has('authorization')) {
    const service = /^arn:[^:]+:apigateway:[^:]*:([^:]+):/.exec(integration.uri)?.[1] ?? 'execute-api';
    const key = integration.credentials && deps.iam ? deps.iam.accessKeyOf(integration.credentials) : 'local';
    headers.set('Authorization', unsignedAuthorization(service, deps.region, key));
  }
  const method = integration.httpMethod.toUpperCase();
  const response = await send(
    url,
    { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body },
    integration.timeoutMs,
  );
  return methodResponse(scope, integration, {
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  });
}

/** HTTP_PROXY: the request as it came, to the integration URL; the answer as it came back. */
async function httpProxy(
  scope: RequestScope,
  integration: Integration,
  deps: IntegrationDeps,
): Promise<HttpResponse> {
  const url = targetUrl(scope, integration, deps);
  for (const [name, values] of Object.entries(scope.req.multiValueQuery)) {
    for (const value of values) url.searchParams.append(name, value);
  }
  const headers = new Headers();
  for (const [name, values] of Object.entries(scope.req.multiValueHeaders)) {
    if (!['host', 'content-length', 'connection'].includes(name.toLowerCase()))
      headers.set(name, values.join(', '));
  }
  const method = integration.httpMethod === 'ANY' ? scope.req.method : integration.httpMethod.toUpperCase();
  const response = await send(
    url,
    { method, headers, body: ['GET', 'HEAD'].includes(method) ? undefined : new Uint8Array(scope.req.body) },
    integration.timeoutMs,
  );
  const out: Record<string, string[]> = {};
  response.headers.forEach((value, name) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name))
      out[name] = [value];
  });
  return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * A Lambda custom (non-proxy) integration: the rendered request template is the event;
 * a success selects the default integration response, an error the one whose
 * SelectionPattern matches its errorMessage (the template then maps the error object).
 */
async function lambdaCustom(
  scope: RequestScope,
  integration: Integration,
  deps: IntegrationDeps,
  body: string,
): Promise<HttpResponse> {
  let event: unknown;
  try {
    event = body ? JSON.parse(body) : {};
  } catch (cause) {
    throw new GatewayError('API_CONFIGURATION_ERROR', { cause });
  }
  await assertInvokePermission(deps, integration.uri, executeApiArnOf(scope, deps.region));
  const result = await withTimeout(
    deps.functions.invoke(integration.uri, event, { correlationId: scope.requestId }),
    integration.timeoutMs,
  );
  const output = result.error
    ? {
        errorMessage: result.error.errorMessage,
        errorType: result.error.errorType,
        stackTrace: result.error.trace ?? [],
      }
    : result.payload;
  return methodResponse(
    scope,
    integration,
    { status: 200, headers: new Headers(), body: JSON.stringify(output ?? null) },
    result.error?.errorMessage,
  );
}
