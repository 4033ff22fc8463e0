/**
 * Velocity mapping templates (velocityjs) with the variables API Gateway defines:
 * `$input` (body, json, path, params), `$util` (escapeJavaScript, parseJson, urlEncode,
 * urlDecode, base64Encode, base64Decode), `$context` and `$stageVariables`. As in API
 * Gateway, a reference to nothing renders as an empty string rather than itself.
 */
import { Compile, parse } from 'velocityjs';

export interface TemplateInput {
  /** The payload the template maps (request body, or the backend's response body). */
  body: string;
  params: {
    path: Record<string, string>;
    querystring: Record<string, string>;
    header: Record<string, string>;
  };
  context: Record<string, unknown>;
  stageVariables: Record<string, string> | null;
}

/**
 * A JSONPath subset: `$`, `.name`, `['name']`, `[0]`, `[*]` and `.*`. A wildcard yields
 * the list of matches; a path that leads nowhere yields undefined.
 */
export function jsonPath(root: unknown, path: string): unknown {
  const tokens: (string | number | '*')[] = [];
  const re = /\.([A-Za-z0-9_$@-]+|\*)|\[\s*(?:'([^']*)'|"([^"]*)"|(\d+)|(\*))\s*\]/g;
  const rest = path.trim().replace(/^\$/, '');
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) break;
    consumed = re.lastIndex;
    const name = m[1] ?? m[2] ?? m[3];
    tokens.push(m[4] !== undefined ? Number(m[4]) : m[5] !== undefined || name === '*' ? '*' : name!);
  }
  if (consumed !== rest.length) throw new Error(`Unsupported JSONPath ${path}`);
  let current: unknown[] = [root];
  let multiple = false;
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const node of current) {
      if (node === null || typeof node !== 'object') continue;
      if (token === '*') next.push(...Object.values(node));
      else if ((node as Record<string | number, unknown>)[token] !== undefined) {
        next.push((node as Record<string | number, unknown>)[token]);
      }
    }
    if (token === '*') multiple = true;
    current = next;
  }
  return multiple ? current : current[0];
}

/** Java's URLEncoder.encode(s, "UTF-8"): spaces become `+`, only `.-*_` stay unescaped. */
export function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function urlDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** Java's StringEscapeUtils.escapeJavaScript, which API Gateway's $util.escapeJavaScript is. */
export function escapeJavaScript(s: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    "'": "\\'",
    '\\': '\\\\',
    '/': '\\/',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\b': '\\b',
    '\f': '\\f',
  };
  let out = '';
  // Per UTF-16 code unit, as Java does: astral characters become a surrogate pair.
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (named[c]) out += named[c];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

export const util = {
  escapeJavaScript: (s: unknown) => escapeJavaScript(String(s ?? '')),
  parseJson: (s: unknown) => JSON.parse(String(s)),
  urlEncode: (s: unknown) => urlEncode(String(s ?? '')),
  urlDecode: (s: unknown) => urlDecode(String(s ?? '')),
  base64Encode: (s: unknown) => Buffer.from(String(s ?? ''), 'utf8').toString('base64'),
  base64Decode: (s: unknown) => Buffer.from(String(s ?? ''), 'base64').toString('utf8'),
};

function inputOf(t: TemplateInput) {
  let parsed: { value: unknown } | undefined;
  const parsedBody = () => {
    if (!parsed) {
      try {
        parsed = { value: t.body ? JSON.parse(t.body) : {} };
      } catch {
        parsed = { value: undefined };
      }
    }
    return parsed.value;
  };
  return {
    body: t.body,
    /** The JSON text at a JSONPath of the payload. */
    json: (path: string) => {
      const value = jsonPath(parsedBody(), path ?? '$');
      return value === undefined ? '' : JSON.stringify(value);
    },
    /** The object at a JSONPath of the payload, for use in the template's logic. */
    path: (path: string) => jsonPath(parsedBody(), path ?? '$'),
    /** All parameters, or one by name: path first, then query string, then header. */
    params: (name?: string) => {
      if (name === undefined) return t.params;
      const headerName = Object.keys(t.params.header).find(
        (h) => h.toLowerCase() === String(name).toLowerCase(),
      );
      return (
        t.params.path[name] ??
        t.params.querystring[name] ??
        (headerName ? t.params.header[headerName] : '') ??
        ''
      );
    },
  };
}

/** Renders a mapping template; throws if the template does not parse. */
export function renderTemplate(template: string, input: TemplateInput): string {
  const compiled = new Compile(parse(template));
  const context = {
    input: inputOf(input),
    util: util,
    context: input.context,
    stageVariables: input.stageVariables ?? {},
  };
  // The third argument ("silence") renders undefined references as '' (API Gateway does too).
  return compiled.render(context, undefined, true);
}
