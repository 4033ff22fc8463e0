/**
 * A state machine's own role (`RoleArn`) on its tasks: what the Step Functions engine asks
 * before a Lambda task invokes (lambda:InvokeFunction), and the key its SDK tasks sign
 * with so the IAM gateway checks them against the same role.
 */
import type { LogSink } from '../types';
import { deniedMessage } from './errors';
import type { Denial } from './gateway';
import { stateMachineKeyOf } from './identities';
import { DecisionCache, principalArnOf, type RoleIdentity } from './policy';

export function stateMachineIam(opts: {
  /** The IAM gateway's URL (the SDK tasks go there). */
  endpoint: string;
  account: string;
  region: string;
  /** Roles by access key (the machines' under stateMachineKeyOf). */
  identities: ReadonlyMap<string, RoleIdentity>;
  /** Where denials are recorded (the gateway's list). */
  denials: Denial[];
  log: LogSink;
}) {
  const decisions = new DecisionCache();
  return {
    endpoint: opts.endpoint,
    account: opts.account,
    accessKeyOf: stateMachineKeyOf,
    async denied(
      machine: { name: string; roleArn: string },
      check: { action: string; resource: string },
    ): Promise<string | undefined> {
      const identity = opts.identities.get(stateMachineKeyOf(machine.name));
      const principal = identity
        ? principalArnOf(opts.account, identity)
        : `arn:aws:sts::${opts.account}:assumed-role/${machine.roleArn.split('/').pop()}/${machine.name}`;
      const d = identity ? await decisions.evaluate(opts.account, opts.region, identity, check) : undefined;
      if (d?.outcome === 'Allowed') return undefined;
      const reason = d?.reason ?? `its role ${machine.roleArn} is not in the loaded stacks`;
      opts.denials.push({
        functionName: machine.name,
        roleName: identity?.roleName ?? machine.roleArn,
        check,
        reason,
        at: new Date(),
      });
      opts.log.line(
        'iam',
        `DENIED state machine ${machine.name}: ${check.action} on ${check.resource}: ${reason} (role ${identity?.roleName ?? machine.roleArn})`,
      );
      return deniedMessage(principal, check, d?.outcome === 'ExplicitlyDenied');
    },
  };
}
