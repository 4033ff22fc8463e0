/**
 * TEST HELPER: evaluates an authorizer policy against a concrete method ARN the way API
 * Gateway does, so tests assert on what a caller can reach rather than on the strings
 * in the policy.
 *
 * - In a resource, `*` matches any run of characters, `/` included (so
 *   `.../GET/orders/*` also covers `.../GET/orders/1/items`), and `?` matches one.
 * - An explicit Deny wins over any Allow; no matching Allow means denied.
 * - Action patterns match `execute-api:Invoke` the same way; NotAction / NotResource invert.
 */
export interface EvaluatedStatement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

export interface EvaluatedPolicy {
  policyDocument: { Statement: EvaluatedStatement[] };
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

const ACTION = 'execute-api:Invoke';
const anyMatches = (patterns: string | string[], value: string) =>
  asArray(patterns).some((p) => wildcardMatches(p, value));

function applies(s: EvaluatedStatement, methodArn: string): boolean {
  const action =
    s.Action !== undefined
      ? anyMatches(s.Action, ACTION)
      : s.NotAction !== undefined && !anyMatches(s.NotAction, ACTION);
  const resource =
    s.Resource !== undefined
      ? anyMatches(s.Resource, methodArn)
      : s.NotResource !== undefined && !anyMatches(s.NotResource, methodArn);
  return action && resource;
}

function matching(policy: EvaluatedPolicy, methodArn: string, effect: 'Allow' | 'Deny'): boolean {
  return policy.policyDocument.Statement.some((s) => s.Effect === effect && applies(s, methodArn));
}

export function isAllowed(policy: EvaluatedPolicy, methodArn: string): boolean {
  return !matching(policy, methodArn, 'Deny') && matching(policy, methodArn, 'Allow');
}

export const TEST_API = { region: 'eu-west-1', account: '123456789012', apiId: 'a1b2c3d4e5', stage: 'dev' };

/** A method ARN as API Gateway passes it to an authorizer: `methodArn('GET', '/orders/1')`. */
export function methodArn(method: string, path: string, api = TEST_API): string {
  return `arn:aws:execute-api:${api.region}:${api.account}:${api.apiId}/${api.stage}/${method}/${path.replace(/^\//, '')}`;
}
