/**
 * Reading the CloudFormation that `npm run package` produced, for template tests and
 * for component tests that create their resources from the template itself (so tests
 * and deployment never describe a table or queue twice).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

/**
 * `stack` is a folder relative to the repository root: '.', 'services/orders', ...; `out`
 * the package folder: the dev package, or '.serverless-prod' (`npm run package:release`).
 */
export function loadTemplate(stack: string, out = '.serverless'): CfnTemplate {
  const file = join(repoRoot, stack, out, 'cloudformation-template-update-stack.json');
  if (!existsSync(file)) {
    const how = out === '.serverless' ? 'npm run package' : 'npm run package:release';
    throw new Error(`No packaged template at ${file}. Run "${how}" first (npm test does).`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}

export function resourcesOfType(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function resource(t: CfnTemplate, logicalId: string): CfnResource {
  const r = t.Resources[logicalId];
  if (!r)
    throw new Error(`No resource ${logicalId} in template (have: ${Object.keys(t.Resources).join(', ')})`);
  return r;
}

/** The Lambda function resource for a serverless.yml function name (e.g. 'createOrder'). */
export function lambdaFunction(t: CfnTemplate, functionName: string): [string, CfnResource] {
  const id = `${functionName.charAt(0).toUpperCase()}${functionName.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
  return [id, resource(t, id)];
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every IAM policy statement in the template, with the role or policy it belongs to. */
export function iamStatements(t: CfnTemplate): { owner: string; statement: PolicyStatement }[] {
  const out: { owner: string; statement: PolicyStatement }[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    const policies =
      r.Type === 'AWS::IAM::Role'
        ? (r.Properties?.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument)
        : r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
          ? [r.Properties?.PolicyDocument]
          : [];
    for (const doc of policies) {
      for (const statement of (doc as { Statement?: PolicyStatement[] })?.Statement ?? [])
        out.push({ owner: id, statement });
    }
  }
  return out;
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * Actions AWS only accepts on `*` (no resource-level permissions): X-Ray trace writes
 * and the CloudWatch Logs "vended log delivery" calls a state machine needs to log.
 */
export const STAR_ONLY_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/**
 * Statements that grant a wildcard on data: any `*` action (or `service:*`), or a bare
 * `*` resource for anything but the actions AWS only allows on `*` (STAR_ONLY_ACTIONS).
 */
export function wildcardStatements(t: CfnTemplate, allowedStarResourceActions: string[] = STAR_ONLY_ACTIONS) {
  return iamStatements(t).filter(({ statement }) => {
    if (statement.Effect !== 'Allow') return false;
    const actions = asArray(statement.Action);
    if (actions.some((a) => a === '*' || a.endsWith(':*'))) return true;
    const resources = asArray(statement.Resource as unknown);
    const starResource = resources.some((r) => r === '*');
    return starResource && !actions.every((a) => allowedStarResourceActions.includes(a));
  });
}

/** Resolves `{ Ref }` / `{ Fn::GetAtt }` to the logical id they point at (for linking checks). */
export function refTarget(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}
