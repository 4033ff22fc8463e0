/**
 * Errors API Gateway itself answers (no route, 401/403 from an authorizer, a bad API key,
 * throttling, validation, integration failures) and how an API's GatewayResponse
 * resources reshape them. As in AWS, a GatewayResponse template is not VTL: only
 * `$context.*` and `$stageVariables.*` references are substituted. A response type the
 * API does not customise falls back to its DEFAULT_4XX / DEFAULT_5XX, then to API
 * Gateway's built-in body `{"message":$context.error.messageString}`.
 */
import type { GatewayResponse, RestApi } from './model';
import { headerOf, type GatewayRequest } from './request';

export type ResponseType =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'INVALID_API_KEY'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTEGRATION_TIMEOUT'
  | 'API_CONFIGURATION_ERROR'
  | 'DEFAULT_5XX';

const DEFAULTS: Record<ResponseType, { status: number; message: string | null; errorType: string }> = {
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
  },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' },
  ACCESS_DENIED: {
    status: 403,
    message: 'User is not authorized to access this resource',
    errorType: 'AccessDeniedException',
  },
  AUTHORIZER_FAILURE: { status: 500, message: null, errorType: 'AuthorizerFailureException' },
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 500,
    message: null,
    errorType: 'AuthorizerConfigurationException',
  },
  INVALID_API_KEY: { status: 403, message: 'Forbidden', errorType: 'ForbiddenException' },
  THROTTLED: { status: 429, message: 'Too Many Requests', errorType: 'TooManyRequestsException' },
  QUOTA_EXCEEDED: { status: 429, message: 'Limit Exceeded', errorType: 'LimitExceededException' },
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body', errorType: 'BadRequestException' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: null, errorType: 'BadRequestException' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Unsupported Media Type',
    errorType: 'UnsupportedMediaTypeException',
  },
  INTEGRATION_TIMEOUT: {
    status: 504,
    message: 'Endpoint request timed out',
    errorType: 'InternalServerErrorException',
  },
  API_CONFIGURATION_ERROR: {
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
  // A Lambda proxy integration that failed or answered malformed output.
  DEFAULT_5XX: { status: 502, message: 'Internal server error', errorType: 'InternalServerErrorException' },
};

/** Thrown anywhere in the request pipeline; the server turns it into the gateway response. */
export class GatewayError extends Error {
  readonly status: number;
  readonly errorMessage: string | null;
  constructor(
    readonly responseType: ResponseType,
    opts: { message?: string | null; status?: number; validationErrorString?: string; cause?: unknown } = {},
  ) {
    const defaults = DEFAULTS[responseType];
    const message = opts.message !== undefined ? opts.message : defaults.message;
    super(message ?? responseType, { cause: opts.cause });
    this.status = opts.status ?? defaults.status;
    this.errorMessage = message;
    this.validationErrorString = opts.validationErrorString;
  }
  readonly validationErrorString?: string;
  /** AWS spells the key `Message` in its authorizer deny bodies, `message` elsewhere. */
  get messageKey(): string {
    return this.responseType === 'ACCESS_DENIED' ? 'Message' : 'message';
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** JSON-escapes a string without the surrounding quotes (for `"$context.error.…"` in templates). */
const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);

/** Substitutes `$context.a.b`, `${context.a.b}`, `$stageVariables.x` (not VTL, as in AWS). */
export function substitute(template: string, vars: Record<string, unknown>): string {
  const ref = '(?:context|stageVariables)(?:\\.[A-Za-z0-9_-]+)+';
  return template.replace(
    new RegExp(`\\$!?(?:\\{(${ref})\\}|(${ref}))`, 'g'),
    (_m, braced?: string, bare?: string) => {
      let value: unknown = vars;
      for (const key of (braced ?? bare)!.split('.'))
        value = (value as Record<string, unknown> | undefined)?.[key];
      return value === undefined || value === null ? '' : String(value);
    },
  );
}

/** `'literal'` or a `method.request.{header|querystring|path}.X` reference. */
export function parameterValue(
  expr: string,
  req: GatewayRequest,
  pathParameters: Record<string, string> = {},
): string | undefined {
  if (expr.startsWith("'") && expr.endsWith("'")) return expr.slice(1, -1);
  const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(expr);
  if (!m) return undefined;
  const [, where, name] = m as unknown as [string, string, string];
  if (where === 'header') return headerOf(req, name);
  if (where === 'querystring') return req.multiValueQuery[name]?.at(-1);
  return pathParameters[name];
}

function customisation(api: RestApi | undefined, type: ResponseType, status: number) {
  const specific = api?.gatewayResponses.get(type);
  const fallback = api?.gatewayResponses.get(status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  return { specific, fallback };
}

function pickTemplate(templates: Record<string, string>): [string, string] | undefined {
  if (templates['application/json'] !== undefined) return ['application/json', templates['application/json']];
  return Object.entries(templates)[0];
}

/** Renders a GatewayError for `api` (undefined when the path matched no API at all). */
export function gatewayResponse(
  error: GatewayError,
  ctx: {
    api?: RestApi;
    req: GatewayRequest;
    pathParameters?: Record<string, string>;
    context: Record<string, unknown>;
  },
): HttpResponse {
  const { specific, fallback } = customisation(ctx.api, error.responseType, error.status);
  const chosen: GatewayResponse | undefined = specific ?? fallback;
  const status = specific?.statusCode ?? fallback?.statusCode ?? error.status;
  const errorContext = {
    message: error.errorMessage ?? '',
    messageString: JSON.stringify(error.errorMessage),
    responseType: error.responseType,
    validationErrorString: jsonEscaped(error.validationErrorString ?? ''),
  };
  const vars = {
    context: { ...ctx.context, error: errorContext },
    stageVariables: ctx.api?.stageVariables ?? {},
  };
  const headers: Record<string, string[]> = {
    'Content-Type': ['application/json'],
    'x-amzn-ErrorType': [DEFAULTS[error.responseType].errorType],
  };
  // Headers from both levels apply, the specific type's winning.
  for (const response of [fallback, specific]) {
    for (const [key, expr] of Object.entries(response?.responseParameters ?? {})) {
      const name = key.replace(/^gatewayresponse\.header\./, '');
      const value = parameterValue(expr, ctx.req, ctx.pathParameters);
      if (value !== undefined) headers[name] = [value];
    }
  }
  const template = pickTemplate(chosen?.responseTemplates ?? {});
  let body: string;
  if (template) {
    headers['Content-Type'] = [template[0]];
    body = substitute(template[1], vars);
  } else {
    body = JSON.stringify({ [error.messageKey]: error.errorMessage });
  }
  return { status, headers, body: Buffer.from(body) };
}
