/**
 * Lambda (CUSTOM) authorizers, TOKEN and REQUEST, as API Gateway runs them:
 * - the identity sources must be present (and match IdentityValidationExpression for a
 *   TOKEN authorizer), else 401 without calling the function;
 * - the function's `Unauthorized` error is a 401, any other failure or a malformed
 *   result a 500;
 * - the result is cached for AuthorizerResultTtlInSeconds, keyed by the identity source
 *   values, and the cached policy is evaluated against each request's own method ARN
 *   (so a policy naming only the first route denies the next, as in AWS).
 * COGNITO_USER_POOLS methods get the token's claims without verifying the signature.
 */
import type { FunctionRunner } from '../types';
import { GatewayError } from './gateway-responses';
import type { Authorizer } from './model';
import { evaluatePolicy, statementsOf } from './policy';
import { headerOf, singleValues, type GatewayRequest } from './request';

/** What the method's integration sees as `requestContext.authorizer` / `$context.authorizer`. */
export type AuthorizerContext = Record<string, unknown>;

export interface AuthorizerOutcome {
  /** `{ principalId, integrationLatency, ...context }` or `{ claims }` for Cognito. */
  context: AuthorizerContext;
  /** The API key an authorizer supplies when the API's key source is AUTHORIZER. */
  usageIdentifierKey?: string;
}

interface CachedResult {
  principalId: string;
  policyDocument: unknown;
  context: Record<string, string>;
  usageIdentifierKey?: string;
  expiresAt: number;
}

export interface AuthorizeInput {
  req: GatewayRequest;
  methodArn: string;
  requestId: string;
  /** Fields of the REQUEST authorizer event (resource, path, pathParameters, requestContext, …). */
  requestEvent: Record<string, unknown>;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string> | null;
  requestContext: Record<string, unknown>;
}

/** The value of one identity source expression, if present and non-empty. */
function identityValue(source: string, input: AuthorizeInput): string | undefined {
  const m = /^(method\.request\.(header|querystring|path)|stageVariables|context)\.(.+)$/.exec(source);
  if (!m) return undefined;
  const [, prefix, where, name] = m as unknown as [string, string, string | undefined, string];
  let value: unknown;
  if (where === 'header') value = headerOf(input.req, name);
  else if (where === 'querystring') value = input.req.multiValueQuery[name]?.at(-1);
  else if (where === 'path') value = input.pathParameters[name];
  else if (prefix === 'stageVariables') value = input.stageVariables?.[name];
  else
    value = name
      .split('.')
      .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], input.requestContext);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** Context values must be scalars; API Gateway hands them on as strings. */
function contextOf(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('context must be an object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') throw new Error(`context.${key} must be a string, number or boolean`);
    out[key] = String(value);
  }
  return out;
}

/** The claims of a JWT, unverified (local runs only). */
function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.replace(/^Bearer\s+/i, '').split('.')[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export class Authorizers {
  private readonly cache = new Map<string, CachedResult>();

  constructor(
    private readonly functions: FunctionRunner,
    private readonly now: () => number = Date.now,
    /** Throws when the function's policy does not admit API Gateway (IAM enforced). */
    private readonly permission?: (fnUri: string, sourceArn: string) => Promise<void>,
  ) {}

  async authorize(authorizer: Authorizer, input: AuthorizeInput): Promise<AuthorizerOutcome> {
    if (authorizer.type === 'COGNITO_USER_POOLS') return this.cognito(authorizer, input);

    const values = authorizer.identitySources.map((s) => identityValue(s, input));
    const cacheable = authorizer.ttlSeconds > 0;
    if (authorizer.type === 'TOKEN') {
      const token = values[0];
      if (token === undefined) throw new GatewayError('UNAUTHORIZED');
      if (authorizer.identityValidationExpression && !authorizer.identityValidationExpression.test(token)) {
        throw new GatewayError('UNAUTHORIZED');
      }
    } else if (cacheable && values.some((v) => v === undefined)) {
      // REQUEST identity sources are mandatory only when caching is on (they are the cache key).
      throw new GatewayError('UNAUTHORIZED');
    }

    const key = `${authorizer.id}\n${values.join('\n')}`;
    const started = this.now();
    let cached = cacheable ? this.cache.get(key) : undefined;
    if (cached && cached.expiresAt <= started) {
      this.cache.delete(key);
      cached = undefined;
    }
    const result = cached ?? (await this.invoke(authorizer, input, values[0]));
    if (cacheable && !cached)
      this.cache.set(key, { ...result, expiresAt: started + authorizer.ttlSeconds * 1000 });

    const decision = evaluatePolicy(result.policyDocument, input.methodArn);
    if (decision === 'ExplicitDeny') {
      throw new GatewayError('ACCESS_DENIED', {
        message: 'User is not authorized to access this resource with an explicit deny',
      });
    }
    if (decision === 'ImplicitDeny') throw new GatewayError('ACCESS_DENIED');
    return {
      context: {
        principalId: result.principalId,
        integrationLatency: this.now() - started,
        ...result.context,
      },
      usageIdentifierKey: result.usageIdentifierKey,
    };
  }

  private async invoke(
    authorizer: Authorizer,
    input: AuthorizeInput,
    token: string | undefined,
  ): Promise<Omit<CachedResult, 'expiresAt'>> {
    const event =
      authorizer.type === 'TOKEN'
        ? { type: 'TOKEN', authorizationToken: token, methodArn: input.methodArn }
        : { type: 'REQUEST', methodArn: input.methodArn, ...input.requestEvent };
    if (!this.functions.has(authorizer.functionUri)) {
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', {
        cause: new Error(`Unknown authorizer function ${authorizer.functionUri}`),
      });
    }
    if (this.permission) {
      const api = input.methodArn.split('/')[0];
      await this.permission(authorizer.functionUri, `${api}/authorizers/${authorizer.id}`).catch(
        (cause: unknown) => {
          // API Gateway cannot invoke the authorizer: AUTHORIZER_CONFIGURATION_ERROR (500).
          throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', { cause: (cause as Error).cause });
        },
      );
    }
    const outcome = await this.functions.invoke(authorizer.functionUri, event, {
      correlationId: input.requestId,
    });
    if (outcome.error) {
      if (outcome.error.errorMessage === 'Unauthorized') throw new GatewayError('UNAUTHORIZED');
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', {
        cause: new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`),
      });
    }
    try {
      const payload = outcome.payload as Record<string, unknown> | null;
      if (!payload || typeof payload.principalId !== 'string' || !payload.principalId) {
        throw new Error('The authorizer returned no principalId');
      }
      statementsOf(payload.policyDocument);
      return {
        principalId: payload.principalId,
        policyDocument: payload.policyDocument,
        context: contextOf(payload.context),
        usageIdentifierKey:
          typeof payload.usageIdentifierKey === 'string' ? payload.usageIdentifierKey : undefined,
      };
    } catch (cause) {
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', { cause });
    }
  }

  private cognito(authorizer: Authorizer, input: AuthorizeInput): AuthorizerOutcome {
    const token = authorizer.identitySources[0]
      ? identityValue(authorizer.identitySources[0], input)
      : undefined;
    const claims = token ? unverifiedClaims(token) : undefined;
    if (!claims) throw new GatewayError('UNAUTHORIZED');
    return { context: { claims } };
  }
}

/** The REQUEST authorizer event's request fields (the proxy event without body). */
export function requestAuthorizerFields(p: {
  req: GatewayRequest;
  resourcePath: string;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string> | null;
  requestContext: Record<string, unknown>;
}): Record<string, unknown> {
  const query = p.req.multiValueQuery;
  return {
    resource: p.resourcePath,
    path: p.req.path,
    httpMethod: p.req.method,
    headers: singleValues(p.req.multiValueHeaders),
    multiValueHeaders: p.req.multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? singleValues(query) : null,
    multiValueQueryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: Object.keys(p.pathParameters).length ? p.pathParameters : null,
    stageVariables: p.stageVariables,
    requestContext: p.requestContext,
  };
}
