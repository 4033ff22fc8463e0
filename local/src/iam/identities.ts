/**
 * Who is calling: each function runs with its own access key (derived from its name), and
 * that key maps to the function's packaged role with the role's identity policies (inline
 * `Policies`, `AWS::IAM::Policy` resources attached to it, `AWS::IAM::ManagedPolicy`
 * resources of the stacks in its `ManagedPolicyArns`), all read from the resolved
 * templates. Also the lookups actions.ts needs from the provisioned resources.
 */
import { createHash } from 'node:crypto';
import type { LocalResource } from '../types';
import type { RequestContext } from './actions';
import type { PolicyDocument, RoleIdentity } from './policy';

/** A function's access key id: AWS's shape (ASIA + 16), stable per function name. */
export const accessKeyOf = (functionName: string): string =>
  `ASIA${createHash('sha256').update(functionName).digest('hex').slice(0, 16).toUpperCase()}`;

interface FunctionRef {
  /** The session name (a function's name, a state machine's). */
  name: string;
  /** The role ARN of the function (its resolved `Role`). */
  role?: string;
  /** The access key the caller signs with (default: accessKeyOf(name)). */
  accessKey?: string;
}

/** A state machine's access key: its tasks' SDK calls are signed with it. */
export const stateMachineKeyOf = (machineName: string) => accessKeyOf(`states ${machineName}`);
/** The access key API Gateway signs an integration with when it assumes `Credentials`. */
export const integrationRoleKeyOf = (roleArn: string) => accessKeyOf(`apigateway ${roleArn}`);

type PolicyProps = { PolicyName?: string; PolicyDocument?: PolicyDocument };

/** The role of every function, by access key; `missing` lists functions without a known role. */
export function identitiesOf(
  functions: FunctionRef[],
  resources: LocalResource[],
): { identities: Map<string, RoleIdentity>; missing: string[] } {
  const roles = resources.filter((r) => r.type === 'AWS::IAM::Role');
  const attached = resources.filter((r) => r.type === 'AWS::IAM::Policy');
  const managed = new Map(
    resources
      .filter((r) => r.type === 'AWS::IAM::ManagedPolicy')
      .map((r) => [r.physicalId, r.properties as PolicyProps & { ManagedPolicyName?: string }]),
  );
  const identities = new Map<string, RoleIdentity>();
  const missing: string[] = [];
  for (const fn of functions) {
    const role = roles.find((r) => r.attributes.Arn === fn.role || r.physicalId === fn.role);
    if (!role) {
      missing.push(fn.name);
      continue;
    }
    const policies: RoleIdentity['policies'] = [];
    for (const p of (role.properties.Policies ?? []) as PolicyProps[])
      if (p.PolicyDocument)
        policies.push({ name: String(p.PolicyName ?? 'inline'), document: p.PolicyDocument });
    for (const p of attached) {
      const targets = (p.properties.Roles ?? []) as string[];
      if (targets.includes(role.physicalId) && p.properties.PolicyDocument)
        policies.push({
          name: String(p.properties.PolicyName ?? p.logicalId),
          document: p.properties.PolicyDocument,
        });
    }
    const unevaluated: string[] = [];
    for (const arn of (role.properties.ManagedPolicyArns ?? []) as string[]) {
      const m = managed.get(arn);
      if (m?.PolicyDocument) policies.push({ name: m.ManagedPolicyName ?? arn, document: m.PolicyDocument });
      else unevaluated.push(arn);
    }
    identities.set(fn.accessKey ?? accessKeyOf(fn.name), {
      functionName: fn.name,
      roleName: role.physicalId,
      roleArn: role.attributes.Arn ?? fn.role ?? '',
      policies,
      unevaluatedManagedPolicies: unevaluated,
    });
  }
  return { identities, missing };
}

/** Secret ARNs by name (and partial ARN), from the provisioned secrets. */
export function secretArnLookup(resources: LocalResource[]): (id: string) => string | undefined {
  const secrets = resources
    .filter((r) => r.type === 'AWS::SecretsManager::Secret')
    .map((r) => ({ arn: r.physicalId, name: String(r.properties.Name ?? '') }));
  return (id) =>
    secrets.find(
      (s) =>
        s.arn === id ||
        (s.name && s.name === id) ||
        // a partial ARN: the full ARN without AWS's random 6-character suffix
        (id.startsWith('arn:') && s.arn.startsWith(`${id}-`) && s.arn.length === id.length + 7),
    )?.arn;
}

export function requestContextOf(
  account: string,
  region: string,
  resources: LocalResource[],
  sesIdentities: Iterable<string>,
  stateMachineOfTaskToken?: (token: string) => string | undefined,
): RequestContext {
  return {
    account,
    region,
    secretArn: secretArnLookup(resources),
    sesIdentities: new Set(sesIdentities),
    ...(stateMachineOfTaskToken ? { stateMachineOfTaskToken } : {}),
  };
}
