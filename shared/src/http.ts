import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ZodMiniType } from 'zod/mini';
import {
  AppError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  type ErrorDetail,
} from './errors';
import { customerIdSchema } from './events/orders';
import { logger } from './observability';
import { pageQuerySchema, type PageQuery } from './pagination';
import type { Principal } from './principal';
import './zod-locale';

const JSON_HEADERS = { 'content-type': 'application/json' };

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The single mapping from errors to HTTP responses. 5xx bodies never echo internals. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof AppError) {
    return json(error.status, {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
    });
  }
  logger.error('Unhandled error', { error: error as Error });
  return json(500, { error: { code: 'INTERNAL', message: 'Internal server error' } });
}

export function zodDetails(
  issues: readonly { path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[],
): ErrorDetail[] {
  return issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.keys?.length ? `${issue.message} (not allowed: ${issue.keys.join(', ')})` : issue.message,
  }));
}

/** Validates any value against a schema, turning failures into a 400 that names every problem. */
export function validate<T>(schema: ZodMiniType<T>, value: unknown, what = 'request'): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`Invalid ${what}`, zodDetails(result.error.issues));
  return result.data;
}

export interface BodyOptions {
  maxBytes?: number;
  /** Looks at the parsed JSON before the schema does (to explain a mistake better than it would). */
  precheck?: (body: unknown) => void;
}

/** Parses and validates a JSON request body: 415 for non-JSON, 413 when too big, 400 for bad JSON or shape. */
export function parseJsonBody<T>(
  event: APIGatewayProxyEvent,
  schema: ZodMiniType<T>,
  opts: BodyOptions = {},
): T {
  const maxBytes = opts.maxBytes ?? 16 * 1024;
  const contentType = header(event, 'content-type');
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new UnsupportedMediaTypeError(`Content-Type must be application/json, got ${contentType}`);
  }
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('Request body is required');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError(`Request body exceeds ${maxBytes} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ValidationError(`Malformed JSON: ${(error as Error).message}`);
  }
  opts.precheck?.(parsed);
  return validate(schema, parsed, 'request body');
}

export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export type { Principal } from './principal';

export function principalOf(event: APIGatewayProxyEvent): Principal {
  const ctx = event.requestContext?.authorizer ?? {};
  const customerId = typeof ctx.customerId === 'string' ? ctx.customerId : undefined;
  const role = ctx.role === 'admin' ? 'admin' : 'customer';
  if (!customerId) {
    // API Gateway only reaches us after the authorizer allowed the call; a missing
    // principal means a misconfigured route, so fail closed.
    throw new UnauthorizedError('No authenticated principal on the request');
  }
  // API Gateway hands context values over as strings; an empty one means "none".
  const email = typeof ctx.email === 'string' && ctx.email !== '' ? ctx.email : undefined;
  return { customerId, role, ...(email ? { email } : {}) };
}

/**
 * GET /customers/{customerId}/<things>?limit&cursor: validates the path and the page,
 * asks `list` for one page of that customer's things (it decides who may see them) and
 * answers 200, or the error's 4xx.
 */
export function customerListHandler(
  list: (customerId: string, principal: Principal, page: PageQuery) => Promise<unknown>,
) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const customerId = validate(
        customerIdSchema,
        event.pathParameters?.customerId,
        'customerId path parameter',
      );
      const page = validate(pageQuerySchema, event.queryStringParameters ?? {}, 'query string');
      return json(200, await list(customerId, principalOf(event), page));
    } catch (error) {
      return errorResponse(error);
    }
  };
}
