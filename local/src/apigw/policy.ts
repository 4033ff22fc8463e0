/**
 * Evaluates the IAM policy a Lambda authorizer returned against a request's method ARN
 * (`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`), as API
 * Gateway does: `*` matches any run of characters (slashes included), `?` exactly one;
 * an explicit Deny wins over any Allow; no matching Allow is an implicit deny.
 */

export type PolicyDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** An IAM-style wildcard pattern as an anchored RegExp. */
export function wildcardToRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}

const actionMatches = (action: string) => wildcardToRegExp(action, 'i').test('execute-api:Invoke');

/** The ARN API Gateway evaluates: the path without its leading slash (`/` -> ''). */
export function methodArnOf(p: {
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  httpMethod: string;
  path: string;
}): string {
  return `arn:aws:execute-api:${p.region}:${p.accountId}:${p.apiId}/${p.stage}/${p.httpMethod}/${p.path.replace(/^\//, '')}`;
}

/** Throws on a document API Gateway would reject as malformed. */
export function statementsOf(policyDocument: unknown): Statement[] {
  const doc = policyDocument as { Statement?: Statement | Statement[] } | undefined;
  if (!doc || typeof doc !== 'object' || doc.Statement === undefined) {
    throw new Error('The authorizer returned no policyDocument.Statement');
  }
  return list(doc.Statement);
}

export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyDecision {
  let allowed = false;
  for (const statement of statementsOf(policyDocument)) {
    if (!list(statement.Action).some(actionMatches)) continue;
    if (!list(statement.Resource).some((r) => wildcardToRegExp(r).test(methodArn))) continue;
    const effect = String(statement.Effect ?? '').toLowerCase();
    if (effect === 'deny') return 'ExplicitDeny';
    if (effect === 'allow') allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
