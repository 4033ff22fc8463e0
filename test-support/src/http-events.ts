/** Factories for API Gateway (REST, v1) proxy events as the gatekeeper leaves them. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface HttpEventInit {
  method?: string;
  path?: string;
  resource?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** `email` defaults to `<customerId>@example.com` (as the dev issuer's tokens); null for none. */
  principal?: { customerId: string; role?: 'customer' | 'admin'; email?: string | null } | null;
}

export function httpEvent(init: HttpEventInit = {}): APIGatewayProxyEvent {
  const body = init.rawBody ?? (init.body === undefined ? null : JSON.stringify(init.body));
  const principal =
    init.principal === undefined ? { customerId: 'c-test', role: 'customer' as const } : init.principal;
  return {
    httpMethod: init.method ?? 'GET',
    path: init.path ?? '/',
    resource: init.resource ?? init.path ?? '/',
    body,
    isBase64Encoded: false,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    multiValueHeaders: {},
    pathParameters: init.pathParameters ?? null,
    queryStringParameters: init.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: randomUUID(),
      authorizer: principal
        ? {
            customerId: principal.customerId,
            role: principal.role ?? 'customer',
            principalId: principal.customerId,
            ...(principal.email === null
              ? {}
              : { email: principal.email ?? `${principal.customerId}@example.com` }),
          }
        : undefined,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}
