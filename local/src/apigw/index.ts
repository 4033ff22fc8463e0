/**
 * The local API Gateway (REST, v1): every REST API of every stack on one port, each
 * under a base path named after its service (`op-orders` -> `/orders`). A request goes
 * through the steps API Gateway takes, each answering with API Gateway's own status
 * codes and bodies (reshaped by the API's GatewayResponses):
 *   route -> authorizer -> API key + usage plan -> request validation -> integration.
 * One log line per request: `POST /orders/orders 201 35 ms`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionRunner, LocalResource, LogSink } from '../types';
import { UsagePlans } from './api-keys';
import { Authorizers, requestAuthorizerFields, type AuthorizerOutcome } from './authorizer';
import { GatewayError, gatewayResponse, type HttpResponse } from './gateway-responses';
import {
  assertInvokePermission,
  callIntegration,
  invokeLambdaProxy,
  type ApiGatewayIam,
  type IntegrationDeps,
} from './integrations';
import { buildModel, type RestApi } from './model';
import { methodArnOf } from './policy';
import { requestContextOf, type RequestScope } from './proxy-event';
import { headerOf, readRequest } from './request';
import { route, type RouteMatch } from './router';
import { validateBody, validateParameters } from './validation';

export interface ApiGatewayOptions {
  resources: LocalResource[]; // every AWS::ApiGateway::* resource of every stack
  stage: string; // e.g. 'local' (goes into requestContext.stage and methodArn)
  functions: FunctionRunner; // invokes Lambda proxy integrations and authorizers
  awsEndpoint: string; // base URL for AWS service integrations (moto_server, e.g. http://127.0.0.1:5000)
  region: string;
  accountId: string;
  log: LogSink;
  host?: string; // default 127.0.0.1
  port?: number; // default a free port (0)
  iam?: ApiGatewayIam; // Lambda permissions and integration roles enforced (absent: not)
  /**
   * HTTP integration origins played by a local stand-in: template origin -> where the
   * stand-in listens (the legacy storefront behind the storefront API). Read per request,
   * so the runner may fill it after the gateway started.
   */
  httpOrigins?: ReadonlyMap<string, string>;
}

export interface LocalApiGateway {
  url: string; // http://127.0.0.1:<port>
  baseUrlOf(restApiId: string): string; // `${url}/${basePath}` of that API
  apiKeys: Record<string, string>; // ApiKey Name property -> key value
  close(): Promise<void>;
}

export async function startApiGateway(opts: ApiGatewayOptions): Promise<LocalApiGateway> {
  const model = buildModel(opts.resources, opts.stage);
  const apisByBasePath = new Map(model.apis.map((api) => [api.basePath, api]));
  const deps: IntegrationDeps = {
    functions: opts.functions,
    awsEndpoint: opts.awsEndpoint,
    region: opts.region,
    ...(opts.iam ? { iam: opts.iam } : {}),
    ...(opts.httpOrigins ? { httpOrigins: opts.httpOrigins } : {}),
  };
  // An authorizer is invoked as arn:aws:execute-api:{region}:{account}:{api}/authorizers/{id}.
  const authorizers = new Authorizers(opts.functions, Date.now, (fnUri, sourceArn) =>
    assertInvokePermission(deps, fnUri, sourceArn),
  );
  const usagePlans = new UsagePlans(model);

  /** Everything after the route is found; throws GatewayError for any gateway-made answer. */
  async function handleMatched(scope: RequestScope, match: RouteMatch): Promise<HttpResponse> {
    const { api, req } = scope;
    const method = match.method;

    let auth: AuthorizerOutcome | undefined;
    if (method.authorizationType === 'CUSTOM' || method.authorizationType === 'COGNITO_USER_POOLS') {
      const authorizer = method.authorizerId ? api.authorizers.get(method.authorizerId) : undefined;
      if (!authorizer) {
        throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', {
          cause: new Error(`Unknown authorizer ${method.authorizerId}`),
        });
      }
      const requestContext = requestContextOf(scope);
      auth = await authorizers.authorize(authorizer, {
        req,
        requestId: scope.requestId,
        methodArn: methodArnOf({ ...opts, apiId: api.id, httpMethod: req.method, path: req.path }),
        pathParameters: scope.pathParameters,
        stageVariables: api.stageVariables,
        requestContext,
        requestEvent: requestAuthorizerFields({
          req,
          resourcePath: scope.resourcePath,
          pathParameters: scope.pathParameters,
          stageVariables: api.stageVariables,
          requestContext,
        }),
      });
      scope.authorizer = auth.context;
    } else if (method.authorizationType === 'AWS_IAM') {
      // Signatures are not verified locally, but an unsigned call is refused as in AWS.
      if (!headerOf(req, 'authorization')?.startsWith('AWS4-HMAC-SHA256')) {
        throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
      }
    }

    if (method.apiKeyRequired) {
      const value = api.apiKeySource === 'AUTHORIZER' ? auth?.usageIdentifierKey : headerOf(req, 'x-api-key');
      const key = usagePlans.admit(api, value);
      scope.apiKey = { id: key.id, value: key.value };
    }

    const validator = method.requestValidatorId ? api.validators.get(method.requestValidatorId) : undefined;
    if (validator?.validateParameters) validateParameters(method, req, scope.pathParameters);
    if (validator?.validateBody) validateBody(api, method, req);

    return method.integration.type === 'AWS_PROXY'
      ? invokeLambdaProxy(scope, method.integration, deps)
      : callIntegration(scope, method.integration, deps);
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = Date.now();
    const { request: req, url } = await readRequest(incoming);
    const [, first = '', ...rest] = url.pathname.split('/');
    const api: RestApi | undefined = apisByBasePath.get(first);
    req.path = `/${rest.join('/')}`;

    let response: HttpResponse;
    let failure: unknown;
    let scope: RequestScope | undefined;
    try {
      const match = api && route(api.root, req.method, req.path);
      if (!api || !match) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
      scope = {
        req,
        api,
        requestId,
        stage: opts.stage,
        accountId: opts.accountId,
        resourceId: match.resource.id,
        resourcePath: match.resource.path,
        pathParameters: match.pathParameters,
        host: headerOf(req, 'host') ?? url.host,
      };
      response = await handleMatched(scope, match);
    } catch (error) {
      const gatewayError =
        error instanceof GatewayError ? error : new GatewayError('API_CONFIGURATION_ERROR', { cause: error });
      failure = gatewayError.cause;
      response = gatewayResponse(gatewayError, {
        api,
        req,
        pathParameters: scope?.pathParameters,
        context: scope ? requestContextOf(scope) : { requestId, stage: opts.stage },
      });
    }

    res.statusCode = response.status;
    for (const [name, values] of Object.entries(response.headers)) res.setHeader(name, values);
    res.setHeader('x-amzn-RequestId', requestId);
    res.end(req.method === 'HEAD' ? undefined : response.body);

    const why = failure instanceof Error ? ` (${failure.message})` : '';
    opts.log.line(
      'apigw',
      `${req.method} ${url.pathname} ${response.status} ${Date.now() - started} ms${why}`,
      requestId,
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      // Only reachable if the client connection itself failed mid-request.
      opts.log.line('apigw', `${req.method} ${req.url} failed: ${error.message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    baseUrlOf(restApiId: string) {
      const api = model.apis.find((a) => a.id === restApiId);
      if (!api) throw new Error(`Unknown REST API ${restApiId}`);
      return `${url}/${api.basePath}`;
    },
    apiKeys: Object.fromEntries(model.apiKeys.map((k) => [k.name, k.value])),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
