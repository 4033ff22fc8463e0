/**
 * CloudFormation's intrinsic functions, resolved the way CloudFormation does: conditions,
 * pseudo parameters, and the functions the platform's templates use (Ref, Fn::GetAtt,
 * Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If, Fn::ImportValue,
 * Fn::Equals/Not/And/Or, Fn::Base64, Fn::GetAZs, AWS::NoValue).
 *
 * The one resolver of the repository: the local runner (local/src/cfn.ts) provisions a
 * stack's resources in dependency order with it (a reference to a resource not created
 * yet raises `NotYetError`, and the resource waits for the next pass), and the component
 * tests' helpers (sns-sqs.ts) resolve the packaged template's values with it.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** What evaluateConditions reads of a template. */
export interface WithConditions {
  Conditions?: Record<string, unknown>;
}

/** A reference to something that does not exist yet (the resolver's "try again later"). */
export class NotYetError extends Error {
  override name = 'NotYetError';
}

export interface Scope {
  /** Logical id -> what Ref returns. */
  refs: Map<string, string>;
  /** Logical id -> attribute -> what Fn::GetAtt returns. */
  attrs: Map<string, Record<string, string>>;
  /** Exports of the stacks created so far (all stacks share them). */
  exports: Map<string, string>;
  parameters: Record<string, string>;
  conditions: Record<string, boolean>;
  stackName: string;
}

/** The marker for AWS::NoValue: dropped from objects and arrays after resolution. */
const NO_VALUE = Symbol('AWS::NoValue');

function pseudo(name: string, scope: Scope): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::AccountId':
      return ACCOUNT;
    case 'AWS::Region':
      return REGION;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${scope.stackName}/local`;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function ref(name: string, scope: Scope): string | typeof NO_VALUE {
  const p = pseudo(name, scope);
  if (p !== undefined) return p;
  if (name in scope.parameters) return scope.parameters[name]!;
  const v = scope.refs.get(name);
  if (v === undefined) throw new NotYetError(`Ref ${name}`);
  return v;
}

function getAtt(id: string, attr: string, scope: Scope): string {
  const v = scope.attrs.get(id)?.[attr];
  if (v === undefined) {
    if (scope.refs.has(id)) throw new Error(`${scope.stackName}: ${id} has no attribute ${attr} locally`);
    throw new NotYetError(`Fn::GetAtt ${id}.${attr}`);
  }
  return v;
}

/** Evaluates every condition of a template (a condition may use another one). */
export function evaluateConditions(
  t: WithConditions,
  scope: Omit<Scope, 'conditions'>,
): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const defs = t.Conditions ?? {};
  // A condition used before it is known is "not yet": it is retried on the next pass.
  const known = new Proxy(out, {
    get: (target, key: string) => {
      if (!(key in target)) throw new NotYetError(`Condition ${key}`);
      return target[key];
    },
    has: (target, key: string) => key in defs || key in target,
  });
  const pending = new Set(Object.keys(defs));
  for (let pass = 0; pending.size > 0 && pass <= Object.keys(defs).length; pass++) {
    for (const name of [...pending]) {
      try {
        out[name] = Boolean(resolve(defs[name], { ...scope, conditions: known }));
        pending.delete(name);
      } catch (e) {
        if (!(e instanceof NotYetError)) throw e;
      }
    }
  }
  if (pending.size)
    throw new Error(`${scope.stackName}: conditions refer to each other: ${[...pending].join(', ')}`);
  return out;
}

/** Resolves every intrinsic function inside a value. */
export function resolve(value: unknown, scope: Scope): unknown {
  const out = resolveInner(value, scope);
  return out === NO_VALUE ? undefined : out;
}

function resolveInner(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveInner(v, scope)).filter((v) => v !== NO_VALUE);
  }
  if (!value || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition')) {
    const [fn] = keys as [string];
    const arg = v[fn];
    switch (fn) {
      case 'Ref':
        return ref(String(arg), scope);
      case 'Condition':
        return scope.conditions[String(arg)];
      case 'Fn::GetAtt': {
        const [id, ...attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return getAtt(id!, attr.join('.'), scope);
      }
      case 'Fn::ImportValue': {
        const name = String(resolveInner(arg, scope));
        const exported = scope.exports.get(name);
        if (exported === undefined)
          throw new Error(
            `${scope.stackName} imports ${name}, which no stack exported: is the exporting stack packaged (local runner), or passed in (tests)?`,
          );
        return exported;
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return template.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
          if (bang) return `\${${name}}`; // ${!Literal}
          if (name in vars) return String(resolveInner(vars[name], scope));
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            return getAtt(name.slice(0, dot), name.slice(dot + 1), scope);
          const r = ref(name, scope);
          return r === NO_VALUE ? '' : r;
        });
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown];
        return (resolveInner(parts, scope) as unknown[]).join(sep);
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return String(resolveInner(source, scope)).split(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolveInner(list, scope) as unknown[])[Number(resolveInner(index, scope))];
      }
      case 'Fn::If': {
        const [cond, yes, no] = arg as [string, unknown, unknown];
        if (!(cond in scope.conditions)) throw new Error(`${scope.stackName}: unknown condition ${cond}`);
        return resolveInner(scope.conditions[cond] ? yes : no, scope);
      }
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(resolveInner(a, scope)) === JSON.stringify(resolveInner(b, scope));
      }
      case 'Fn::Not':
        return !resolveInner((arg as unknown[])[0], scope);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => resolveInner(c, scope));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => resolveInner(c, scope));
      case 'Fn::Base64':
        return Buffer.from(String(resolveInner(arg, scope))).toString('base64');
      case 'Fn::GetAZs':
        return [`${REGION}a`, `${REGION}b`, `${REGION}c`];
      default:
        throw new Error(`${scope.stackName}: ${fn} is not supported by the local runner`);
    }
  }
  const entries = Object.entries(v)
    .map(([k, x]) => [k, resolveInner(x, scope)] as const)
    .filter(([, x]) => x !== NO_VALUE);
  return Object.fromEntries(entries);
}

/** Every logical id a value refers to (Ref, GetAtt, and `${Name}` inside Fn::Sub). */
export function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
      else if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? (v as [string, unknown]) : [String(v), undefined];
        for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]!);
        if (vars) referencedIds(vars, out);
      } else referencedIds(v, out);
    }
  }
  return out;
}
