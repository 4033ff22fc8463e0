/**
 * Which functions' failures can end in each dead-letter queue, read from the stacks'
 * resources: a queue's redrive policy (the mapping that consumes it), an async invoke
 * config's or a stream mapping's on-failure destination, a function's DeadLetterConfig,
 * a rule target's DeadLetterConfig, an SNS subscription's redrive policy. A chaos run
 * explains a message left in a DLQ by the faults injected into these functions (or by an
 * outage of what they depend on).
 */
import { functionNameOf } from '@order-platform/test-support/lambda-invoke-server';
import type { LocalResource } from '../types';

const redriveTarget = (raw: unknown): string | undefined => {
  const policy = typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : raw;
  const arn = (policy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn;
  return typeof arn === 'string' ? arn : undefined;
};

/** `op-webhook/PaymentsDeadLetterQueue` -> the function names that can fail into it. */
export function deadLetterFeeds(resources: LocalResource[]): Record<string, string[]> {
  const queueByArn = new Map(
    resources.filter((r) => r.type === 'AWS::SQS::Queue').map((r) => [r.attributes.Arn, r] as const),
  );
  const feeds = new Map<string, Set<string>>();
  const add = (dlqArn: unknown, fn: unknown) => {
    const q = typeof dlqArn === 'string' ? queueByArn.get(dlqArn) : undefined;
    if (!q || typeof fn !== 'string') return;
    const key = `${q.service}/${q.logicalId}`;
    const set = feeds.get(key) ?? new Set<string>();
    set.add(functionNameOf(fn));
    feeds.set(key, set);
  };
  const mappings = resources.filter((r) => r.type === 'AWS::Lambda::EventSourceMapping');
  for (const r of resources) {
    const p = r.properties;
    if (r.type === 'AWS::SQS::Queue' && p.RedrivePolicy) {
      const dlq = redriveTarget(p.RedrivePolicy);
      for (const m of mappings.filter((m) => m.properties.EventSourceArn === r.attributes.Arn))
        add(dlq, m.properties.FunctionName);
    }
    if (r.type === 'AWS::Lambda::EventSourceMapping' || r.type === 'AWS::Lambda::EventInvokeConfig')
      add(p.DestinationConfig?.OnFailure?.Destination, p.FunctionName);
    if (r.type === 'AWS::Lambda::Function')
      add(p.DeadLetterConfig?.TargetArn, p.FunctionName ?? r.physicalId);
    if (r.type === 'AWS::Events::Rule')
      for (const t of (p.Targets ?? []) as Array<{ Arn?: string; DeadLetterConfig?: { Arn?: string } }>)
        if (t.Arn?.includes(':function:')) add(t.DeadLetterConfig?.Arn, t.Arn);
    if (r.type === 'AWS::SNS::Subscription' && p.Protocol === 'lambda')
      add(redriveTarget(p.RedrivePolicy), p.Endpoint);
  }
  return Object.fromEntries([...feeds].map(([k, v]) => [k, [...v].sort()]));
}
