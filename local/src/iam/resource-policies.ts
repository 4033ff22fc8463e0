/**
 * Resource policies where AWS uses them for the deliveries the runner plays:
 * - a function's policy, made of its `AWS::Lambda::Permission` resources: API Gateway
 *   (apigateway.amazonaws.com), EventBridge rules and schedules (events.amazonaws.com),
 *   SNS (sns.amazonaws.com) and S3 (s3.amazonaws.com) invoke a function only when a
 *   permission admits that principal and, when it names one, the source ARN / account;
 * - a queue's policy (`AWS::SQS::QueuePolicy`): SNS and EventBridge deliver to a queue
 *   only when it admits their principal with the topic's / rule's `aws:SourceArn`.
 * Both are evaluated with the evaluator the identity policies use (@cloud-copilot/iam-simulate,
 * given the resource policy and the service principal), not matched by hand.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { LocalResource } from '../types';
import type { PolicyDocument } from './policy';

export type ServicePrincipal =
  'apigateway.amazonaws.com' | 'events.amazonaws.com' | 'sns.amazonaws.com' | 's3.amazonaws.com';

export interface Delivery {
  principal: ServicePrincipal;
  /** The API method / authorizer, rule, topic or bucket ARN the delivery comes from. */
  sourceArn: string;
}

export interface ResourceDecision {
  allowed: boolean;
  /** One phrase: which policy and what it lacks. */
  reason: string;
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:([^:]+):(\d{12}):function:([^:]+)(?::[^:]+)?$/;

/** The unqualified ARN of a function given by name, ARN or qualified ARN. */
export function functionArnOf(nameOrArn: string, account: string, region: string): string {
  // An API Gateway integration URI: …:lambda:path/2015-03-31/functions/{function ARN}/invocations
  const inUri = /\/functions\/(arn:[^/]+)\/invocations$/.exec(nameOrArn)?.[1];
  const m = FUNCTION_ARN.exec(inUri ?? nameOrArn);
  if (m) return `arn:aws:lambda:${m[1]}:${m[2]}:function:${m[3]}`;
  const name = nameOrArn.split(':')[0]!;
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

/** Every function's resource policy, built from its `AWS::Lambda::Permission` resources. */
export function lambdaPolicies(
  resources: LocalResource[],
  account: string,
  region: string,
): Map<string, PolicyDocument> {
  const out = new Map<string, PolicyDocument & { Statement: unknown[] }>();
  for (const r of resources) {
    if (r.type !== 'AWS::Lambda::Permission') continue;
    const p = r.properties;
    const fn = functionArnOf(String(p.FunctionName), account, region);
    const condition: Record<string, Record<string, string>> = {};
    if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': String(p.SourceArn) };
    if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': String(p.SourceAccount) };
    const principal = String(p.Principal);
    const statement = {
      Sid: r.logicalId,
      Effect: 'Allow',
      Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
      Action: String(p.Action),
      Resource: [fn, `${fn}:*`],
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    };
    const doc = out.get(fn) ?? { Version: '2012-10-17', Statement: [] };
    doc.Statement.push(statement);
    out.set(fn, doc);
  }
  return out;
}

/** Every queue's policy (by queue ARN), from `AWS::SQS::QueuePolicy` (its `Queues` are URLs). */
export function queuePolicies(resources: LocalResource[]): Map<string, PolicyDocument> {
  const arnOfUrl = new Map(
    resources.filter((r) => r.type === 'AWS::SQS::Queue').map((r) => [r.physicalId, r.attributes.Arn ?? '']),
  );
  const out = new Map<string, PolicyDocument>();
  for (const r of resources) {
    if (r.type !== 'AWS::SQS::QueuePolicy') continue;
    for (const url of (r.properties.Queues ?? []) as string[]) {
      const arn = arnOfUrl.get(url);
      // One policy per queue in SQS: a second QueuePolicy on it replaces the first.
      if (arn) out.set(arn, r.properties.PolicyDocument as PolicyDocument);
    }
  }
  return out;
}

/**
 * Every topic's policy (by topic ARN), from `AWS::SNS::TopicPolicy` (its `Topics` are
 * ARNs). The gateway evaluates a function's Publish with it beside the function's role, as
 * AWS does within one account: either may allow, an explicit Deny in either refuses (the
 * billing-ops topic denies every publisher but its trigger function).
 */
export function topicPolicies(resources: LocalResource[]): Map<string, PolicyDocument> {
  const out = new Map<string, PolicyDocument>();
  for (const r of resources) {
    if (r.type !== 'AWS::SNS::TopicPolicy') continue;
    for (const arn of (r.properties.Topics ?? []) as string[])
      out.set(String(arn), r.properties.PolicyDocument as PolicyDocument);
  }
  return out;
}

/** Whether `policy` lets a service principal do `action` on `resource` for a delivery. */
export async function admits(
  policy: PolicyDocument | undefined,
  action: string,
  resource: string,
  delivery: Delivery,
  account: string,
): Promise<ResourceDecision> {
  if (!policy) return { allowed: false, reason: 'it has no resource policy' };
  const result = await runSimulation(
    {
      request: {
        principal: delivery.principal,
        action,
        resource: { resource, accountId: account },
        contextVariables: {
          'aws:SourceArn': delivery.sourceArn,
          'aws:SourceAccount': account,
          'aws:SecureTransport': 'true',
          'aws:PrincipalServiceName': delivery.principal,
          'aws:PrincipalIsAWSService': 'true',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  if (result.resultType === 'error')
    return { allowed: false, reason: `the evaluator rejected it (${result.errors.message})` };
  const outcome = result.overallResult;
  if (outcome === 'Allowed') return { allowed: true, reason: 'allowed' };
  return {
    allowed: false,
    reason:
      outcome === 'ExplicitlyDenied'
        ? 'an explicit Deny statement of its resource policy matches'
        : `no statement of its resource policy allows ${delivery.principal} from ${delivery.sourceArn}`,
  };
}

/** The resource policies of the loaded stacks, as the deliveries consult them. */
export class ResourcePolicies {
  private lambda: Map<string, PolicyDocument>;
  private queues: Map<string, PolicyDocument>;
  /** Decisions by action, resource and delivery: the same delivery is judged the same way
   * every time (the context carries no time), so each is evaluated once. */
  private decided = new Map<string, Promise<ResourceDecision>>();

  constructor(
    resources: LocalResource[],
    readonly account: string,
    readonly region: string,
  ) {
    this.lambda = lambdaPolicies(resources, account, region);
    this.queues = queuePolicies(resources);
  }

  /** May the service invoke the function (lambda:InvokeFunction on its policy)? */
  canInvoke(fnNameOrArn: string, delivery: Delivery): Promise<ResourceDecision> {
    const fn = functionArnOf(fnNameOrArn, this.account, this.region);
    return this.once(this.lambda.get(fn), 'lambda:InvokeFunction', fn, delivery);
  }

  /** May the service send to the queue (sqs:SendMessage on its queue policy)? */
  canSend(queueArn: string, delivery: Delivery): Promise<ResourceDecision> {
    return this.once(this.queues.get(queueArn), 'sqs:SendMessage', queueArn, delivery);
  }

  private once(
    policy: PolicyDocument | undefined,
    action: string,
    resource: string,
    delivery: Delivery,
  ): Promise<ResourceDecision> {
    const key = `${action}\n${resource}\n${delivery.principal}\n${delivery.sourceArn}`;
    let d = this.decided.get(key);
    if (!d) this.decided.set(key, (d = admits(policy, action, resource, delivery, this.account)));
    return d;
  }
}
