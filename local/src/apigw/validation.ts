/**
 * Request validation (a method's RequestValidator): required request parameters, and the
 * body against the draft-04 JSON schema of the method's model for the request's content
 * type. Failures carry `$context.error.validationErrorString` worded the way API
 * Gateway's validator words them (`[object has missing required properties (["a"])]`).
 */
import AjvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { GatewayError } from './gateway-responses';
import type { Method, RestApi } from './model';
import { headerOf, mediaTypeOf, type GatewayRequest } from './request';

// ajv-draft-04 is CommonJS (module.exports = Ajv); take the class whichever way it arrives.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ??
  AjvDraft04) as typeof AjvDraft04;

/** The URL a model is known by, for `$ref` from another model of the same API. */
const modelUrl = (apiId: string, name: string) =>
  `https://apigateway.amazonaws.com/restapis/${apiId}/models/${name}`;

const compiled = new WeakMap<RestApi, Map<string, ValidateFunction>>();

function validatorFor(api: RestApi, modelName: string): ValidateFunction | undefined {
  let byModel = compiled.get(api);
  if (!byModel) {
    byModel = new Map();
    compiled.set(api, byModel);
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false });
    for (const [name, schema] of api.models) {
      // Drop a model's own `id`/`$schema`: the URL above identifies it.
      const { id: _id, $schema: _s, ...rest } = schema as Record<string, unknown>;
      if (!ajv.getSchema(modelUrl(api.id, name))) ajv.addSchema(rest, modelUrl(api.id, name));
    }
    for (const name of api.models.keys()) byModel.set(name, ajv.getSchema(modelUrl(api.id, name))!);
  }
  return byModel.get(modelName);
}

/**
 * A value as the validator's message quotes it. A client's deeply nested array or object
 * is past what JSON.stringify can recurse into: it is named, not quoted (a 400 stays a 400).
 */
function q(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return `(${typeName(v)} too deeply nested to show)`;
  }
}

/** One error as API Gateway's (json-schema-validator) message. */
function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `object has missing required properties (${q([p.missingProperty])})`;
    case 'type':
      return `instance type (${typeName(e.data)}) does not match any allowed primitive type (allowed: ${q([p.type].flat())})`;
    case 'pattern':
      return `ECMA 262 regex ${q(p.pattern)} does not match input string ${q(e.data)}`;
    case 'enum':
      return `instance value (${q(e.data)}) not found in enum (possible values: ${q(p.allowedValues)})`;
    case 'minLength':
      return `string ${q(e.data)} is too short (length: ${String(e.data).length}, required minimum: ${p.limit})`;
    case 'maxLength':
      return `string ${q(e.data)} is too long (length: ${String(e.data).length}, maximum allowed: ${p.limit})`;
    case 'minimum':
      return `numeric instance is lower than the required minimum (minimum: ${p.limit}, found: ${e.data})`;
    case 'maximum':
      return `numeric instance is greater than the required maximum (maximum: ${p.limit}, found: ${e.data})`;
    case 'additionalProperties':
      return `object instance has properties which are not allowed by the schema: ${q([p.additionalProperty])}`;
    case 'minItems':
      return `array is too short: must have at least ${p.limit} elements but instance has ${(e.data as unknown[]).length} elements`;
    case 'maxItems':
      return `array is too long: must have at most ${p.limit} elements but instance has ${(e.data as unknown[]).length} elements`;
    default:
      return `${e.instancePath || 'instance'} ${e.message ?? e.keyword}`;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** ajv reports each missing property separately; API Gateway lists them together per object. */
function messagesOf(errors: ErrorObject[]): string[] {
  const missing = new Map<string, string[]>();
  const out: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'required') {
      const list = missing.get(e.instancePath);
      if (list) list.push(String((e.params as { missingProperty: string }).missingProperty));
      else {
        missing.set(e.instancePath, [String((e.params as { missingProperty: string }).missingProperty)]);
        out.push(`required:${e.instancePath}`);
      }
    } else out.push(describe(e));
  }
  return out.map((m) =>
    m.startsWith('required:')
      ? `object has missing required properties (${q(missing.get(m.slice(9))!.sort())})`
      : m,
  );
}

/** Checks the method's required parameters; throws BAD_REQUEST_PARAMETERS naming the missing ones. */
export function validateParameters(
  method: Method,
  req: GatewayRequest,
  pathParameters: Record<string, string>,
): void {
  const missing: string[] = [];
  for (const [expr, required] of Object.entries(method.requestParameters)) {
    if (!required) continue;
    const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(expr);
    if (!m) continue;
    const [, where, name] = m as unknown as [string, string, string];
    const value =
      where === 'header'
        ? headerOf(req, name)
        : where === 'querystring'
          ? req.multiValueQuery[name]?.at(-1)
          : pathParameters[name];
    if (value === undefined || value === '') missing.push(name);
  }
  if (missing.length) {
    const message = `Missing required request parameters: [${missing.join(', ')}]`;
    throw new GatewayError('BAD_REQUEST_PARAMETERS', { message, validationErrorString: message });
  }
}

/** Validates the body against the method's model for its content type (none: nothing to check). */
export function validateBody(api: RestApi, method: Method, req: GatewayRequest): void {
  const contentType = mediaTypeOf(headerOf(req, 'content-type')) ?? 'application/json';
  const modelName = method.requestModels[contentType] ?? method.requestModels['$default'];
  if (!modelName) return;
  const validate = validatorFor(api, modelName);
  if (!validate) {
    throw new GatewayError('API_CONFIGURATION_ERROR', { cause: new Error(`Unknown model ${modelName}`) });
  }
  // An empty body is not validated (as in API Gateway).
  if (req.body.length === 0) return;
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw new GatewayError('BAD_REQUEST_BODY', {
      validationErrorString: `[Invalid JSON in request body: ${(error as Error).message}]`,
    });
  }
  let valid: boolean;
  try {
    valid = validate(body) as boolean;
  } catch (error) {
    // A schema that recurses into the body (items of items …) meets the same limit.
    if (!(error instanceof RangeError)) throw error;
    throw new GatewayError('BAD_REQUEST_BODY', {
      validationErrorString: '[the request body is nested too deeply to validate]',
    });
  }
  if (!valid) {
    throw new GatewayError('BAD_REQUEST_BODY', {
      validationErrorString: `[${messagesOf(validate.errors ?? []).join(', ')}]`,
    });
  }
}
