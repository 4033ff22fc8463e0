/**
 * A small OpenAPI 3.1 builder over zod's own JSON Schema output (`z.toJSONSchema`).
 *
 * Why not zod-openapi or @asteasolutions/zod-to-openapi: the handlers validate with
 * `zod/mini`, whose schemas carry no `.openapi()` metadata, and OpenAPI 3.1 takes JSON
 * Schema 2020-12 as it is. Turning a route description into paths, parameters and
 * responses is a page of code; a library would be one more dependency to keep in step
 * with zod for no gain. Each service describes its routes in `src/http/contract.ts` with
 * the very schemas its handlers parse, so the document cannot drift from the validation.
 */
import * as z from 'zod/mini';
import { jsonSchemaOf } from './json-schema';

/** How a route is authenticated (the packaged template decides; a template test compares). */
export type Auth = 'bearer' | 'apiKey' | 'signature' | 'none';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Schema = z.ZodMiniType;

export interface ResponseContract {
  description: string;
  /** The JSON body; omitted for an empty answer. */
  schema?: Schema;
  headers?: Record<string, string>;
}

export interface RouteContract {
  method: Method;
  /** As in the template, from the API's root: `/orders/{orderId}`. */
  path: string;
  operationId: string;
  summary: string;
  auth: Auth;
  pathParams?: Record<string, Schema>;
  /** An object schema: each property becomes one query parameter. */
  query?: Schema;
  headers?: Record<string, { schema: Schema; required?: boolean; description: string }>;
  body?: { schema: Schema; required: boolean; description?: string };
  responses: Record<number, ResponseContract>;
  /** Statuses answered with the platform's error body (shared/src/http.ts errorResponse). */
  errors: Record<number, string>;
  /**
   * Statuses API Gateway answers itself, with its own `{ message }` body, before any code
   * of ours runs. The ones the route's authentication implies are added by the builder.
   */
  gatewayErrors?: Record<number, string>;
}

export interface ServiceContract {
  service: string;
  title: string;
  description: string;
  routes: RouteContract[];
}

/** The one error body every handler uses (errorResponse in http.ts), and the customised gateway responses. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
});

/** API Gateway's built-in error body (a gateway response the stack does not customise). */
export const gatewayErrorBodySchema = z.object({ message: z.string() });

/** What API Gateway answers for a route's authentication before the integration runs. */
const AUTH_GATEWAY_ERRORS: Record<Auth, Record<number, string>> = {
  bearer: { 401: 'API Gateway: no token, or the gatekeeper refused it' },
  apiKey: { 403: 'API Gateway: missing or unknown API key' },
  // Verified by the handler itself: its 401 is in the platform's error shape.
  signature: {},
  none: {},
};

const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A token the gatekeeper (services/auth) accepts; `npm run token` issues one locally.',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'The usage plan key API Gateway checks before anything runs.',
  },
  signature: {
    type: 'apiKey',
    in: 'header',
    name: 'Payment-Signature',
    description: "The provider's HMAC of the raw body (t=<unix>,v1=<hex>), verified by the handler.",
  },
} as const;

/** Requests are described as sent (defaults optional), responses as produced (and open: json-schema.ts). */
function jsonSchema(schema: Schema, io: 'input' | 'output'): Record<string, unknown> {
  // The document declares the dialect once (OpenAPI 3.1: 2020-12), not each schema.
  const { $schema: _dialect, ...rest } = jsonSchemaOf(schema, io, { openObjects: io === 'output' });
  return rest;
}

function parameters(route: RouteContract): unknown[] {
  const out: unknown[] = [];
  for (const [name, schema] of Object.entries(route.pathParams ?? {}))
    out.push({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') });
  if (route.query) {
    const q = jsonSchema(route.query, 'input') as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(q.properties ?? {}))
      out.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
  }
  for (const [name, h] of Object.entries(route.headers ?? {}))
    out.push({
      name,
      in: 'header',
      required: h.required ?? false,
      description: h.description,
      schema: jsonSchema(h.schema, 'input'),
    });
  return out;
}

function operation(route: RouteContract): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(r.headers).map(([h, description]) => [
                h,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } } : {}),
    };
  }
  const gateway = { ...AUTH_GATEWAY_ERRORS[route.auth], ...route.gatewayErrors };
  const both = Object.keys(gateway).filter((status) => status in route.errors);
  if (both.length)
    throw new Error(`${route.operationId}: ${both.join(', ')} listed both as our error and as API Gateway's`);
  const errorRef = (name: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${name}` } },
  });
  for (const [status, description] of Object.entries(route.errors))
    responses[status] = { description, content: errorRef('Error') };
  for (const [status, description] of Object.entries(gateway))
    responses[status] = { description, content: errorRef('GatewayError') };
  const params = parameters(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.auth === 'none' ? [] : [{ [route.auth]: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            ...(route.body.description ? { description: route.body.description } : {}),
            content: { 'application/json': { schema: jsonSchema(route.body.schema, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of one service's HTTP API. */
export function openApiDocument(contract: ServiceContract): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...contract.routes].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
  for (const route of sorted) (paths[route.path] ??= {})[route.method] = operation(route);
  const used = [...new Set(contract.routes.map((r) => r.auth))].filter((a) => a !== 'none').sort();
  return {
    openapi: '3.1.0',
    info: { title: contract.title, version: '1', description: contract.description },
    servers: [
      {
        url: `http://127.0.0.1:3000/${contract.service}`,
        description: 'npm run dev (deployed: the stack output ServiceEndpoint)',
      },
    ],
    paths,
    components: {
      schemas: {
        Error: jsonSchema(errorBodySchema, 'output'),
        GatewayError: jsonSchema(gatewayErrorBodySchema, 'output'),
      },
      ...(used.length
        ? {
            securitySchemes: Object.fromEntries(
              used.map((a) => [a, SECURITY_SCHEMES[a as keyof typeof SECURITY_SCHEMES]]),
            ),
          }
        : {}),
    },
  };
}
