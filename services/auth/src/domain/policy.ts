import { AccessRejectedError } from './errors';
import type { Principal } from './claims';

/** The IAM policy a REST API Lambda authorizer returns (the shape API Gateway expects). */
export interface PolicyStatement {
  Action: 'execute-api:Invoke';
  Effect: 'Allow' | 'Deny';
  Resource: string[];
}

export interface AuthorizerResult {
  principalId: string;
  policyDocument: { Version: '2012-10-17'; Statement: PolicyStatement[] };
  /** Read by the services as `requestContext.authorizer.customerId` / `.role` / `.email`. */
  context: { customerId: string; role: Principal['role']; email?: string };
}

/** One route a principal may call: an HTTP method and a path pattern (`*` as in IAM). */
export interface Grant {
  method: string;
  path: string;
}

// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path...}
const METHOD_ARN =
  /^arn:(aws[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([A-Za-z0-9]+)\/([A-Za-z0-9_-]+)\/[A-Z*]+\/.*$/;

/**
 * `arn:...:{apiId}/{stage}` of the API and stage the request came through. The policy is
 * scoped to that API and stage only: a token cached for one API grants nothing on another.
 */
export function apiBaseOf(methodArn: string): string {
  const m = METHOD_ARN.exec(methodArn);
  if (!m) throw new AccessRejectedError('malformed-method-arn');
  const [, partition, region, account, apiId, stage] = m;
  return `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}`;
}

/**
 * Every route a customer may call. The list is complete on purpose: API Gateway caches
 * the policy per token (resultTtlInSeconds) and applies it to the next calls with that
 * token, whatever route they hit, so a policy naming only the current route would make
 * the customer's next, different call fail with 403 for five minutes.
 *
 * In an execute-api resource `*` matches any characters, `/` included, so every pattern
 * keeps a literal segment after the customer id: `customers/c-1/*` cannot match
 * `customers/c-12/...`.
 */
export function customerGrants(customerId: string): Grant[] {
  return [
    { method: 'POST', path: 'orders' },
    { method: 'GET', path: 'orders/*' },
    { method: 'POST', path: 'orders/*/cancel' },
    { method: 'GET', path: `customers/${customerId}/*` },
    { method: 'GET', path: `reports/customers/${customerId}/*` },
    // The fulfilment API (P16): a gift card is redeemed by whoever holds its code.
    { method: 'POST', path: 'giftcards/redeem' },
  ];
}

/** Admins (support staff, back-office tools) may call every method and route of the API. */
export const ADMIN_GRANTS: readonly Grant[] = [{ method: '*', path: '*' }];

export function grantsFor(principal: Principal): readonly Grant[] {
  return principal.role === 'admin' ? ADMIN_GRANTS : customerGrants(principal.customerId);
}

/** The authorizer's answer for a verified principal calling through `methodArn`. */
export function policyFor(principal: Principal, methodArn: string): AuthorizerResult {
  const apiBase = apiBaseOf(methodArn);
  return {
    principalId: principal.customerId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: grantsFor(principal).map((g) => `${apiBase}/${g.method}/${g.path}`),
        },
      ],
    },
    context: {
      customerId: principal.customerId,
      role: principal.role,
      ...(principal.email ? { email: principal.email } : {}),
    },
  };
}
