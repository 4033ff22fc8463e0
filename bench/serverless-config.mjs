// Reads the stacks' serverless.yml files the way the bench needs them: functions, handler
// entry files, event kinds, environment (with dummy values where CloudFormation or
// deploy-time variables would fill them in) and the esbuild options the stack packages with.
//
// This is not a Serverless Framework variable engine: it resolves the handful of sources
// this repository uses (${self:}, ${file():}, ${sls:stage}, ${opt:}, ${env:}, ${param:},
// ${aws:region}) and turns anything it cannot know offline into a dummy value.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';

// CloudFormation short-form tags (osls accepts them in serverless.yml): kept as their
// long-form data so `!Ref X` reads as `{ Ref: 'X' }`, never evaluated.
const CFN_TAGS = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'Join',
  'ImportValue',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'Base64',
  'GetAZs',
  'Cidr',
  'Transform',
  'ToJsonString',
  'Length',
];
const cfnTypes = CFN_TAGS.flatMap((tag) => {
  const key = tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`;
  return ['scalar', 'sequence', 'mapping'].map(
    (kind) =>
      new yaml.Type(`!${tag}`, {
        kind,
        construct: (data) => ({
          [key]: tag === 'GetAtt' && typeof data === 'string' ? data.split('.') : data,
        }),
      }),
  );
});
export const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(cfnTypes);

export function loadYaml(file) {
  return yaml.load(readFileSync(file, 'utf8'), { schema: CFN_SCHEMA, filename: file }) ?? {};
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isCfnValue = (v) =>
  isObject(v) && Object.keys(v).length === 1 && /^(Ref|Condition|Fn::)/.test(Object.keys(v)[0]);

function getPath(obj, path) {
  let cur = obj;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Sentinel for "only known at deploy time". */
export const UNKNOWN = Symbol('unknown');

/**
 * Resolves Serverless variables inside one value. Strings that are exactly one variable
 * may resolve to an object (a CloudFormation intrinsic, a YAML section); strings with a
 * variable inside text resolve to a string, or to UNKNOWN when a part is not knowable.
 */
export function makeResolver(doc, baseDir, { stage = 'dev', region = 'us-east-1' } = {}) {
  const fileCache = new Map();
  const readFile = (rel) => {
    const abs = resolve(baseDir, rel);
    if (!fileCache.has(abs)) fileCache.set(abs, existsSync(abs) ? loadYaml(abs) : UNKNOWN);
    return fileCache.get(abs);
  };

  function source(expr, depth) {
    // Fallbacks: `${a, b}`; split on the first top-level comma.
    let depthParen = 0;
    for (let i = 0; i < expr.length; i++) {
      const c = expr[i];
      if (c === '(') depthParen++;
      else if (c === ')') depthParen--;
      else if (c === ',' && depthParen === 0) {
        const first = source(expr.slice(0, i).trim(), depth);
        return first === undefined || first === UNKNOWN ? source(expr.slice(i + 1).trim(), depth) : first;
      }
    }
    expr = expr.trim();
    const quoted = expr.match(/^(['"])(.*)\1$/s);
    if (quoted) return quoted[2];
    if (/^-?\d+(\.\d+)?$/.test(expr)) return Number(expr);
    if (expr === 'true' || expr === 'false') return expr === 'true';
    if (expr === 'sls:stage' || expr === 'opt:stage' || expr === 'self:provider.stage') return stage;
    if (expr === 'opt:region' || expr === 'aws:region' || expr === 'self:provider.region') return region;
    if (expr === 'sls:instanceId') return 'bench';
    let m = expr.match(/^self:(.*)$/);
    if (m) return value(getPath(doc, m[1]), depth + 1);
    m = expr.match(/^file\(([^)]+)\)(?::(.*))?$/);
    if (m) {
      const data = readFile(m[1].trim().replace(/^['"]|['"]$/g, ''));
      if (data === UNKNOWN) return UNKNOWN;
      const sub = m[2] ? getPath(data, m[2]) : data;
      // Variables inside an included file resolve relative to the including stack here,
      // which is what osls does for `self:` and good enough for the rest.
      return value(sub, depth + 1);
    }
    // env:, param:, ssm:, cf:, aws:accountId, strToBool(...) and friends: deploy-time only.
    // A fallback (handled above) wins; otherwise unknown.
    return UNKNOWN;
  }

  function str(s, depth) {
    if (depth > 20) return UNKNOWN;
    const whole = s.match(/^\$\{([^${}]*)\}$/);
    if (whole) return source(whole[1], depth);
    let out = s;
    for (let guard = 0; guard < 50; guard++) {
      const m = out.match(/\$\{([^${}]*)\}/);
      if (!m) return out;
      // Inner variables resolved, the rest may be one variable that yields an object.
      if (m[0].length === out.length) return source(m[1], depth);
      const v = source(m[1], depth);
      if (v === UNKNOWN || v === undefined || typeof v === 'object') return UNKNOWN;
      out = out.slice(0, m.index) + String(v) + out.slice(m.index + m[0].length);
    }
    return UNKNOWN;
  }

  function value(v, depth = 0) {
    if (typeof v === 'string') return v.includes('${') ? str(v, depth) : v;
    if (Array.isArray(v)) return v.map((x) => value(x, depth));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, depth)]));
    return v;
  }

  return value;
}

const kebab = (name) => name.toLowerCase().replace(/_/g, '-');

/** A plausible stand-in for a value CloudFormation (or a deploy-time variable) would supply. */
export function dummyFor(name) {
  const n = name.toUpperCase();
  const k = kebab(name);
  const acct = '000000000000';
  if (/DATABASE_URL|POSTGRES.*URL|PG.*URL/.test(n)) return 'postgres://bench:bench@127.0.0.1:5432/bench';
  if (/REDIS.*URL|CACHE.*URL/.test(n)) return 'redis://127.0.0.1:6379';
  if (/(DB|PG|POSTGRES)_?PORT$/.test(n)) return '5432';
  if (/REDIS_?PORT$/.test(n)) return '6379';
  if (/(QUEUE|DLQ).*URL|URL.*QUEUE/.test(n)) return `https://sqs.us-east-1.amazonaws.com/${acct}/bench-${k}`;
  if (/(URL|ENDPOINT|URI)$/.test(n)) return `https://bench.example.com/${k}`;
  if (/ARN$/.test(n)) {
    const svc = [
      [/TOPIC/, 'sns', ''],
      [/QUEUE|DLQ/, 'sqs', ''],
      [/STATE_?MACHINE|WORKFLOW|SFN/, 'states', 'stateMachine:'],
      [/FUNCTION|LAMBDA/, 'lambda', 'function:'],
      [/TABLE/, 'dynamodb', 'table/'],
      [/BUS/, 'events', 'event-bus/'],
      [/SECRET/, 'secretsmanager', 'secret:'],
      [/STREAM|KINESIS/, 'kinesis', 'stream/'],
      [/BUCKET/, 's3', ''],
      [/KEY|KMS/, 'kms', 'key/'],
    ].find(([re]) => re.test(n)) ?? [null, 'sqs', ''];
    return svc[1] === 's3'
      ? `arn:aws:s3:::bench-${k}`
      : `arn:aws:${svc[1]}:us-east-1:${acct}:${svc[2]}bench-${k}`;
  }
  if (/(TIMEOUT|_MS|_SECONDS|_SIZE|_LIMIT|_COUNT|_MAX|_MIN|PORT|TTL)$/.test(n)) return '1';
  return `bench-${k}`;
}

/** Environment values a function would get, dummy where only deploy time knows them. */
export function environmentFor(resolveValue, provider, fn) {
  const env = {};
  const dummied = [];
  // A whole block may be one variable (`environment: ${file(...):dbAndRedis.aws}`).
  const block = (v) => {
    const r = resolveValue(v ?? {});
    return isObject(r) ? r : {};
  };
  for (const [name, raw] of Object.entries({ ...block(provider?.environment), ...block(fn?.environment) })) {
    const v = resolveValue(raw);
    if (v === UNKNOWN || v === undefined || v === null || typeof v === 'object') {
      env[name] = dummyFor(name);
      dummied.push(name);
    } else env[name] = String(v);
  }
  return { env, dummied };
}

const HTTP_EVENTS = new Set(['http', 'httpApi', 'alb', 'websocket', 'cloudFront']);

/** `http` if any event is an HTTP-facing one, else `worker` (queues, streams, schedules, direct invokes). */
export function classify(events) {
  const types = (events ?? []).flatMap((e) =>
    isObject(e) ? Object.keys(e) : typeof e === 'string' ? [e] : [],
  );
  const kind = types.some((t) => HTTP_EVENTS.has(t)) ? 'http' : 'worker';
  const label = types.length ? [...new Set(types)].join('+') : 'invoke';
  return { kind, label };
}

const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];

/** `src/handlers/get-order.handler` -> absolute entry file and export name. */
export function handlerEntry(stackDir, handler) {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const ext of EXTENSIONS) {
    const file = join(stackDir, base + ext);
    if (existsSync(file)) return { file, exportName };
  }
  return { file: undefined, exportName, tried: join(stackDir, base) + `{${EXTENSIONS.join(',')}}` };
}

// Options serverless-esbuild strips before calling esbuild (dist/bundle.js, 1.57).
const PLUGIN_ONLY = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
];

/**
 * The esbuild options serverless-esbuild would pass for this stack: its `custom.esbuild`
 * (the shared section of serverless.common.yml in every stack here) on top of the
 * plugin's defaults, minus the plugin-only keys. `exclude` entries become `external`,
 * as the plugin does.
 */
export function esbuildOptionsFor(custom, runtime) {
  const raw = isObject(custom) ? custom : {};
  const target =
    raw.target ?? (/^nodejs(\d+)/.test(runtime ?? '') ? `node${runtime.match(/^nodejs(\d+)/)[1]}` : 'node18');
  const exclude = (raw.exclude ?? ['aws-sdk']).filter((x) => typeof x === 'string');
  const opts = { bundle: true, platform: 'node', ...raw, target };
  for (const k of PLUGIN_ONLY) delete opts[k];
  opts.external = [
    ...(Array.isArray(raw.external) ? raw.external : []),
    ...(exclude.includes('*') ? [] : exclude),
  ];
  return opts;
}

/** Everything the bench needs from one stack. Throws when the file cannot be read at all. */
export function readStack(root, stack) {
  const stackDir = resolve(root, stack);
  const file = join(stackDir, 'serverless.yml');
  const doc = loadYaml(file);
  const resolveValue = makeResolver(doc, stackDir);
  const provider = resolveValue(doc.provider ?? {});
  let functions = resolveValue(doc.functions ?? {});
  if (Array.isArray(functions)) functions = Object.assign({}, ...functions.filter(isObject));
  if (!isObject(functions)) functions = {};
  const custom = resolveValue(doc.custom?.esbuild);
  const esbuild = esbuildOptionsFor(custom === UNKNOWN ? {} : custom, provider.runtime);
  const usesEsbuild = (doc.plugins ?? []).includes?.('serverless-esbuild') ?? false;
  const fns = Object.entries(functions)
    .filter(([, fn]) => isObject(fn))
    .map(([name, fn]) => {
      const { kind, label } = classify(fn.events);
      const { env, dummied } = environmentFor(resolveValue, provider, fn);
      const entry =
        typeof fn.handler === 'string'
          ? handlerEntry(stackDir, fn.handler)
          : { file: undefined, exportName: undefined };
      return {
        name,
        handler: fn.handler,
        ...entry,
        kind,
        events: label,
        env,
        dummied,
        memorySize: fn.memorySize ?? provider.memorySize,
      };
    });
  return {
    stack,
    stackDir,
    service: typeof doc.service === 'string' ? doc.service : stack,
    esbuild,
    usesEsbuild,
    functions: fns,
  };
}

export const stackLabel = (stack) => (stack === '.' ? 'platform (.)' : stack);
export { dirname };
