/**
 * The REST APIs as the emulator serves them, built once from the stacks' resolved
 * `AWS::ApiGateway::*` resources: each API with its resource tree, methods, authorizers,
 * models, validators and gateway responses, plus the API keys and usage plans of all
 * stacks (a usage plan may name APIs of several stacks).
 */
import { randomBytes } from 'node:crypto';
import type { LocalResource } from '../types';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation properties are untyped JSON */

export interface Integration {
  type: 'AWS_PROXY' | 'AWS' | 'HTTP' | 'HTTP_PROXY' | 'MOCK';
  uri: string;
  httpMethod: string;
  passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
  /** `integration.request.header.X` -> `'literal'` or `method.request.…` */
  requestParameters: Record<string, string>;
  requestTemplates: Record<string, string>;
  integrationResponses: IntegrationResponse[];
  timeoutMs: number;
  /** The role API Gateway assumes for an AWS service integration (`Credentials`). */
  credentials?: string;
}

export interface IntegrationResponse {
  statusCode: string;
  selectionPattern?: string;
  responseTemplates: Record<string, string>;
  responseParameters: Record<string, string>;
}

export interface Method {
  httpMethod: string; // GET, POST, …, ANY
  authorizationType: 'NONE' | 'CUSTOM' | 'AWS_IAM' | 'COGNITO_USER_POOLS';
  authorizerId?: string;
  apiKeyRequired: boolean;
  requestValidatorId?: string;
  /** content type -> model name */
  requestModels: Record<string, string>;
  /** `method.request.header.X` -> required */
  requestParameters: Record<string, boolean>;
  integration: Integration;
}

export interface ApiResource {
  id: string;
  /** '' for the root, else the PathPart: `orders`, `{orderId}`, `{proxy+}` */
  pathPart: string;
  /** The resource path as API Gateway shows it: `/orders/{orderId}` */
  path: string;
  children: ApiResource[];
  methods: Map<string, Method>;
}

export interface Authorizer {
  id: string;
  name: string;
  type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS';
  functionUri: string;
  /** `method.request.header.Authorization`, or several comma-separated for REQUEST */
  identitySources: string[];
  identityValidationExpression?: RegExp;
  ttlSeconds: number;
}

export interface RequestValidator {
  validateBody: boolean;
  validateParameters: boolean;
}

export interface GatewayResponse {
  statusCode?: number;
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
}

export interface RestApi {
  id: string;
  name: string;
  service: string;
  /** The first path segment the emulator serves this API under (`orders`). */
  basePath: string;
  root: ApiResource;
  authorizers: Map<string, Authorizer>;
  validators: Map<string, RequestValidator>;
  /** Model name -> JSON schema */
  models: Map<string, Record<string, unknown>>;
  gatewayResponses: Map<string, GatewayResponse>;
  binaryMediaTypes: string[];
  apiKeySource: 'HEADER' | 'AUTHORIZER';
  /** Stage names the stacks deploy this API to (any of them counts as "this stage"). */
  stageNames: Set<string>;
  stageVariables: Record<string, string> | null;
}

export interface ApiKey {
  id: string;
  name: string;
  value: string;
  enabled: boolean;
}

export interface UsagePlan {
  id: string;
  /** apiId -> stage names */
  apiStages: { apiId: string; stage: string }[];
  throttle?: { rateLimit: number; burstLimit: number };
  quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' };
  keyIds: Set<string>;
}

export interface Model {
  apis: RestApi[];
  apiKeys: ApiKey[];
  usagePlans: UsagePlan[];
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random API key value like the 40 characters API Gateway generates. */
export function generateKeyValue(): string {
  return [...randomBytes(40)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');
}

/** `op-orders` -> `orders`: the base path an API is served under. */
export function basePathOf(service: string): string {
  return service.replace(/^op-/, '');
}

const byType = (resources: LocalResource[], type: string) => resources.filter((r) => r.type === type);

const strings = (obj: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((obj ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

function parseSchema(schema: unknown): Record<string, unknown> {
  return (typeof schema === 'string' ? JSON.parse(schema) : (schema ?? {})) as Record<string, unknown>;
}

function integrationOf(p: any): Integration {
  const i = p.Integration ?? {};
  return {
    type: i.Type ?? 'MOCK',
    uri: i.Uri ?? '',
    httpMethod: i.IntegrationHttpMethod ?? p.HttpMethod,
    passthroughBehavior: i.PassthroughBehavior ?? 'WHEN_NO_MATCH',
    requestParameters: strings(i.RequestParameters),
    requestTemplates: strings(i.RequestTemplates),
    integrationResponses: ((i.IntegrationResponses ?? []) as any[]).map((r) => ({
      statusCode: String(r.StatusCode),
      selectionPattern: r.SelectionPattern || undefined,
      responseTemplates: strings(r.ResponseTemplates),
      responseParameters: strings(r.ResponseParameters),
    })),
    timeoutMs: Number(i.TimeoutInMillis ?? 29_000),
    ...(i.Credentials ? { credentials: String(i.Credentials) } : {}),
  };
}

function methodOf(p: any): Method {
  return {
    httpMethod: String(p.HttpMethod).toUpperCase(),
    authorizationType: p.AuthorizationType ?? 'NONE',
    authorizerId: p.AuthorizerId || undefined,
    apiKeyRequired: p.ApiKeyRequired === true || p.ApiKeyRequired === 'true',
    requestValidatorId: p.RequestValidatorId || undefined,
    requestModels: strings(p.RequestModels),
    requestParameters: Object.fromEntries(
      Object.entries((p.RequestParameters ?? {}) as Record<string, unknown>).map(([k, v]) => [
        k,
        v === true || v === 'true',
      ]),
    ),
    integration: integrationOf(p),
  };
}

/** Builds every API, key and plan; `stage` is the stage the runner serves all APIs as. */
export function buildModel(resources: LocalResource[], stage: string): Model {
  const apis = new Map<string, RestApi>();
  const usedBasePaths = new Set<string>();
  for (const r of byType(resources, 'AWS::ApiGateway::RestApi')) {
    let basePath = basePathOf(r.service);
    // A second API in the same service gets its logical id appended to stay reachable.
    if (usedBasePaths.has(basePath)) basePath = `${basePath}-${r.logicalId}`;
    usedBasePaths.add(basePath);
    const rootId = r.attributes.RootResourceId ?? `${r.physicalId}-root`;
    apis.set(r.physicalId, {
      id: r.physicalId,
      name: r.properties.Name ?? r.logicalId,
      service: r.service,
      basePath,
      root: { id: rootId, pathPart: '', path: '/', children: [], methods: new Map() },
      authorizers: new Map(),
      validators: new Map(),
      models: new Map(),
      gatewayResponses: new Map(),
      binaryMediaTypes: r.properties.BinaryMediaTypes ?? [],
      apiKeySource: r.properties.ApiKeySourceType === 'AUTHORIZER' ? 'AUTHORIZER' : 'HEADER',
      stageNames: new Set([stage]),
      stageVariables: null,
    });
  }
  const apiOf = (r: LocalResource) => apis.get(r.properties.RestApiId);

  // Resources: index by id, then attach each to its parent (the order in the template is free).
  const nodes = new Map<string, ApiResource>();
  for (const api of apis.values()) nodes.set(api.root.id, api.root);
  const pending = byType(resources, 'AWS::ApiGateway::Resource').filter((r) => apiOf(r));
  for (const r of pending) {
    nodes.set(r.physicalId, {
      id: r.physicalId,
      pathPart: r.properties.PathPart,
      path: '',
      children: [],
      methods: new Map(),
    });
  }
  for (const r of pending) nodes.get(r.properties.ParentId)?.children.push(nodes.get(r.physicalId)!);
  const setPaths = (node: ApiResource) => {
    for (const child of node.children) {
      child.path = `${node.path === '/' ? '' : node.path}/${child.pathPart}`;
      setPaths(child);
    }
  };
  for (const api of apis.values()) setPaths(api.root);

  for (const r of byType(resources, 'AWS::ApiGateway::Method')) {
    const method = methodOf(r.properties);
    nodes.get(r.properties.ResourceId)?.methods.set(method.httpMethod, method);
  }

  for (const r of byType(resources, 'AWS::ApiGateway::Authorizer')) {
    const p = r.properties;
    const expr = p.IdentityValidationExpression as string | undefined;
    apiOf(r)?.authorizers.set(r.physicalId, {
      id: r.physicalId,
      name: p.Name ?? r.logicalId,
      type: p.Type,
      functionUri: p.AuthorizerUri ?? '',
      identitySources: String(p.IdentitySource ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      identityValidationExpression: expr ? new RegExp(`^(?:${expr})$`) : undefined,
      ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
    });
  }

  for (const r of byType(resources, 'AWS::ApiGateway::RequestValidator')) {
    apiOf(r)?.validators.set(r.physicalId, {
      validateBody: r.properties.ValidateRequestBody === true,
      validateParameters: r.properties.ValidateRequestParameters === true,
    });
  }

  for (const r of byType(resources, 'AWS::ApiGateway::Model')) {
    const api = apiOf(r);
    const schema = parseSchema(r.properties.Schema);
    // `Ref` of a Model is its name; index by both in case a template names it differently.
    api?.models.set(r.properties.Name ?? r.physicalId, schema);
    api?.models.set(r.physicalId, schema);
  }

  for (const r of byType(resources, 'AWS::ApiGateway::GatewayResponse')) {
    const p = r.properties;
    apiOf(r)?.gatewayResponses.set(p.ResponseType, {
      statusCode: p.StatusCode !== undefined ? Number(p.StatusCode) : undefined,
      responseParameters: strings(p.ResponseParameters),
      responseTemplates: strings(p.ResponseTemplates),
    });
  }

  for (const r of byType(resources, 'AWS::ApiGateway::Deployment')) {
    if (r.properties.StageName) apiOf(r)?.stageNames.add(r.properties.StageName);
  }
  for (const r of byType(resources, 'AWS::ApiGateway::Stage')) {
    const api = apiOf(r);
    if (!api) continue;
    if (r.properties.StageName) api.stageNames.add(r.properties.StageName);
    if (r.properties.Variables) api.stageVariables = strings(r.properties.Variables);
  }

  const apiKeys = byType(resources, 'AWS::ApiGateway::ApiKey').map((r) => ({
    id: r.physicalId,
    name: r.properties.Name ?? r.logicalId,
    value: r.properties.Value ?? generateKeyValue(),
    // CloudFormation's default for Enabled is false.
    enabled: r.properties.Enabled === true || r.properties.Enabled === 'true',
  }));

  const usagePlans = byType(resources, 'AWS::ApiGateway::UsagePlan').map((r): UsagePlan => {
    const p = r.properties;
    return {
      id: r.physicalId,
      apiStages: ((p.ApiStages ?? []) as any[]).map((s) => ({ apiId: s.ApiId, stage: s.Stage })),
      throttle: p.Throttle
        ? {
            rateLimit: Number(p.Throttle.RateLimit ?? Infinity),
            burstLimit: Number(p.Throttle.BurstLimit ?? Infinity),
          }
        : undefined,
      quota: p.Quota ? { limit: Number(p.Quota.Limit), period: p.Quota.Period ?? 'DAY' } : undefined,
      keyIds: new Set(),
    };
  });
  for (const r of byType(resources, 'AWS::ApiGateway::UsagePlanKey')) {
    usagePlans.find((u) => u.id === r.properties.UsagePlanId)?.keyIds.add(r.properties.KeyId);
  }

  return { apis: [...apis.values()], apiKeys, usagePlans };
}
