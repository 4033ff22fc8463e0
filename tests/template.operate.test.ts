/**
 * Template layer for issue 18 (Operate it): on the packaged CloudFormation of every stack,
 * every queue that holds what something gave up on is alarmed, every alarm acts on the
 * platform's alarm topic, streams, APIs, functions and state machines are watched, and the
 * dashboard reads only metrics the services emit. The stack list is read from the folder,
 * so a stack added later is checked without editing this file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  loadTemplate,
  refTarget,
  repoRoot,
  resourcesOfType,
  type CfnTemplate,
} from '../test-support/src/template';

const require = createRequire(import.meta.url);
const { METRICS, NAMESPACE } = require('../tooling/osls-operate/metrics.cjs') as {
  METRICS: Record<string, { service: string; source: string }>;
  NAMESPACE: string;
};
const { dashboardMetricNames } = require('../tooling/osls-operate/dashboard.cjs') as {
  dashboardMetricNames: (stage?: string) => string[];
};

const services = readdirSync(join(repoRoot, 'services'))
  .map((d) => `services/${d}`)
  .filter((d) => existsSync(join(repoRoot, d, 'serverless.yml')));
const stacks = ['.', ...services];
const TOPIC_IMPORT = { 'Fn::ImportValue': 'op-platform-dev-AlarmTopicArn' };

type Props = Record<string, unknown>;
const props = (t: CfnTemplate, id: string): Props => (t.Resources[id]?.Properties ?? {}) as Props;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const redriveTarget = (v: unknown): string | undefined => {
  const policy = typeof v === 'string' ? (JSON.parse(v) as Props) : (v as Props | undefined);
  return refTarget(policy?.deadLetterTargetArn);
};

/**
 * The queues that receive what something gave up on, found the long way (each place
 * CloudFormation puts a DLQ or failure destination, listed one by one) and by name, on
 * purpose not by the plugin's own search.
 */
function failureQueuesOf(t: CfnTemplate): string[] {
  const found = new Set<string>();
  const add = (v: unknown) => {
    const id = refTarget(v);
    if (id && t.Resources[id]?.Type === 'AWS::SQS::Queue') found.add(id);
  };
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = (r.Properties ?? {}) as Props;
    if (r.Type === 'AWS::SQS::Queue') {
      add({ Ref: redriveTarget(p.RedrivePolicy) });
      if (/dead.?letter|dlq|failure/i.test(id)) found.add(id);
    }
    if (r.Type === 'AWS::SNS::Subscription') add({ Ref: redriveTarget(p.RedrivePolicy) });
    if (r.Type === 'AWS::Events::Rule')
      for (const target of asArray(p.Targets as Props[]))
        add((target.DeadLetterConfig as Props | undefined)?.Arn);
    if (r.Type === 'AWS::Lambda::Function') add((p.DeadLetterConfig as Props | undefined)?.TargetArn);
    if (r.Type === 'AWS::Lambda::EventInvokeConfig' || r.Type === 'AWS::Lambda::EventSourceMapping')
      add(((p.DestinationConfig as Props | undefined)?.OnFailure as Props | undefined)?.Destination);
    if (r.Type === 'AWS::Pipes::Pipe') add(((p.SourceParameters as Props)?.DeadLetterConfig as Props)?.Arn);
  }
  return [...found].sort();
}

const alarms = (t: CfnTemplate) => resourcesOfType(t, 'AWS::CloudWatch::Alarm');

/** Alarms reading `metric` (plain or inside a metric-math alarm) with a dimension on `target`. */
function alarmsOn(t: CfnTemplate, metric: string, target: string): string[] {
  return alarms(t)
    .filter(([, a]) => {
      const p = (a.Properties ?? {}) as Props;
      const metrics = [
        { MetricName: p.MetricName, Dimensions: p.Dimensions },
        ...asArray(p.Metrics as Props[]).map(
          (m) => (m.MetricStat as Props | undefined)?.Metric as Props | undefined,
        ),
      ];
      return metrics.some(
        (m) =>
          m?.MetricName === metric &&
          asArray(m.Dimensions as Props[]).some((d) => refTarget(d.Value) === target || d.Value === target),
      );
    })
    .map(([id]) => id);
}

describe('every service lists the osls-operate plugin', () => {
  it.each(services)('%s', (stack) => {
    expect(readFileSync(join(repoRoot, stack, 'serverless.yml'), 'utf8')).toMatch(
      /^plugins:[\s\S]*?^\s+- '@order-platform\/osls-operate'$/m,
    );
  });
});

describe('the platform stack: one alarm topic, e-mail from a stage parameter', () => {
  const t = loadTemplate('.');
  it('creates the topic and exports it under the name every stack imports', () => {
    expect(t.Resources.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
    const out = (t.Outputs ?? {}).AlarmTopicArn as Props;
    expect(out.Value).toEqual({ Ref: 'AlarmTopic' });
    expect(out.Export).toEqual({ Name: TOPIC_IMPORT['Fn::ImportValue'] });
  });
  it('subscribes the alarmEmail parameter, only when one is given', () => {
    const sub = t.Resources.AlarmEmailSubscription!;
    expect(sub.Type).toBe('AWS::SNS::Subscription');
    expect(sub.Condition).toBe('HasAlarmEmail');
    expect(sub.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } });
    expect((t.Parameters as Props).AlarmEmail).toMatchObject({ Type: 'String', Default: '' });
    expect((t.Conditions as Props).HasAlarmEmail).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }],
    });
  });
});

describe.each(stacks)('stack %s', (stack) => {
  const t = loadTemplate(stack);
  const topic = stack === '.' ? { Ref: 'AlarmTopic' } : TOPIC_IMPORT;

  it('every alarm notifies the alarm topic', () => {
    for (const [id, a] of alarms(t)) {
      expect(a.Properties?.AlarmActions, id).toEqual([topic]);
      expect(a.Properties?.ActionsEnabled, id).not.toBe(false);
    }
  });

  it('every DLQ or failure destination has an alarm on any message visible', () => {
    for (const queue of failureQueuesOf(t)) {
      const watching = alarmsOn(t, 'ApproximateNumberOfMessagesVisible', queue);
      expect(watching, `${stack}: ${queue} has no alarm`).not.toEqual([]);
      for (const id of watching)
        expect(props(t, id), `${stack}: ${id}`).toMatchObject({
          Namespace: 'AWS/SQS',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [topic],
        });
    }
  });

  it('every stream mapping has an iterator-age alarm', () => {
    for (const [id, m] of resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')) {
      if (m.Properties?.StartingPosition === undefined) continue;
      const fn = refTarget(m.Properties.FunctionName)!;
      expect(alarmsOn(t, 'IteratorAge', fn), `${stack}: ${id}`).not.toEqual([]);
    }
  });

  it('every REST API has a 5xx-rate and a p99-latency alarm', () => {
    for (const [id, api] of resourcesOfType(t, 'AWS::ApiGateway::RestApi')) {
      const name = String(api.Properties?.Name);
      const on = (metric: string) =>
        alarms(t).filter(
          ([, a]) =>
            a.Properties?.MetricName === metric &&
            asArray(a.Properties?.Dimensions as Props[]).some(
              (d) => d.Name === 'ApiName' && d.Value === name,
            ),
        );
      expect(
        on('5XXError').map(([, a]) => a.Properties?.Statistic),
        id,
      ).toEqual(['Average']);
      expect(
        on('Latency').map(([, a]) => a.Properties?.ExtendedStatistic),
        id,
      ).toEqual(['p99']);
    }
  });

  it('every function has an errors alarm and a throttles alarm', () => {
    for (const [id] of resourcesOfType(t, 'AWS::Lambda::Function')) {
      expect(alarmsOn(t, 'Errors', id), `${stack}: ${id}`).toHaveLength(1);
      expect(alarmsOn(t, 'Throttles', id), `${stack}: ${id}`).toHaveLength(1);
    }
  });

  it('every Kinesis stream has an iterator-age alarm, every Firehose delivery stream a freshness alarm', () => {
    for (const [id] of resourcesOfType(t, 'AWS::Kinesis::Stream'))
      expect(alarmsOn(t, 'GetRecords.IteratorAgeMilliseconds', id), `${stack}: ${id}`).toHaveLength(1);
    for (const [id] of resourcesOfType(t, 'AWS::KinesisFirehose::DeliveryStream'))
      expect(alarmsOn(t, 'DeliveryToS3.DataFreshness', id), `${stack}: ${id}`).toHaveLength(1);
  });

  it('every state machine has a failed-executions alarm', () => {
    for (const [id] of resourcesOfType(t, 'AWS::StepFunctions::StateMachine'))
      expect(alarmsOn(t, 'ExecutionsFailed', id), `${stack}: ${id}`).toHaveLength(1);
  });
});

describe('alarms on what the services report', () => {
  it('orders: sagas ending FAILED or CANCELLED above a rate, from the catalog metrics', () => {
    const p = props(loadTemplate('services/orders'), 'SagaFailureRateAlarm');
    const read = asArray(p.Metrics as Props[])
      .map((m) => ((m.MetricStat as Props | undefined)?.Metric as Props | undefined)?.MetricName)
      .filter(Boolean)
      .sort();
    expect(read).toEqual(['OrderCancelled', 'OrderConfirmed', 'OrderFailed']);
    for (const name of read) expect(METRICS[String(name)]?.service).toBe('orders');
    expect(p.AlarmActions).toEqual([TOPIC_IMPORT]);
  });

  it.each([
    ['ReconciliationFindingsAlarm', 'ReconciliationFindings'],
    ['ReconciliationRefundFailuresAlarm', 'ReconciliationRefundFailures'],
  ])("webhook: the reconciler's %s", (alarm, metric) => {
    const p = props(loadTemplate('services/webhook'), alarm);
    expect(p).toMatchObject({ Namespace: NAMESPACE, MetricName: metric, Threshold: 0 });
    expect(p.Dimensions).toEqual([{ Name: 'service', Value: METRICS[metric]!.service }]);
    expect(p.AlarmActions).toEqual([TOPIC_IMPORT]);
  });
});

describe('the platform dashboard', () => {
  const t = loadTemplate('.');
  const dashboard = t.Resources.Dashboard!;
  const body = JSON.parse(
    String((dashboard.Properties?.DashboardBody as Props)['Fn::Sub']).replace(/\$\{AWS::\w+\}/g, 'x'),
  ) as { widgets: { properties: { metrics: unknown[][] } }[] };
  const rows = body.widgets.flatMap((w) => w.properties.metrics);
  const own = rows.filter((r) => r[0] === NAMESPACE).map((r) => String(r[1]));

  it('is op-<stage> in the platform stack', () => {
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties?.DashboardName).toBe('op-dev');
  });

  it('reads only catalog metrics, each emitted by the code the catalog names', () => {
    expect(own.length).toBeGreaterThan(0);
    expect([...new Set(own)].sort()).toEqual(dashboardMetricNames('dev'));
    for (const name of own) {
      const entry = METRICS[name];
      expect(entry, `${name} is not in metrics.cjs`).toBeDefined();
      const source = readFileSync(join(repoRoot, entry!.source), 'utf8');
      expect(source, `${entry!.source} never emits ${name}`).toContain(`'${name}'`);
      // The dimension the dashboard reads is the emitting stack's Powertools service name.
      const yml = readFileSync(join(repoRoot, entry!.source.split('/src/')[0]!, 'serverless.yml'), 'utf8');
      expect(yml).toContain(`POWERTOOLS_SERVICE_NAME: ${entry!.service}`);
    }
  });

  it('every catalog metric is emitted by its source', () => {
    for (const [name, { source }] of Object.entries(METRICS))
      expect(readFileSync(join(repoRoot, source), 'utf8'), `${source}: ${name}`).toContain(`'${name}'`);
  });

  it('names AWS resources the stacks really create (webhook API, saga state machine)', () => {
    const apiNames = rows.filter((r) => r[0] === 'AWS/ApiGateway').map((r) => r[3]);
    const webhookApi = resourcesOfType(loadTemplate('services/webhook'), 'AWS::ApiGateway::RestApi')[0]![1];
    expect(apiNames).toContain(webhookApi.Properties?.Name);
    const machines = rows.filter((r) => r[0] === 'AWS/States').map((r) => String(r[3]));
    const saga = resourcesOfType(loadTemplate('services/orders'), 'AWS::StepFunctions::StateMachine')[0]![1];
    for (const arn of machines)
      expect(arn.endsWith(`:stateMachine:${String(saga.Properties?.StateMachineName)}`)).toBe(true);
  });
});

describe('deploy/github-oidc-role.yml: the role GitHub Actions assumes', () => {
  // CloudFormation's short tags (!Ref, !Sub...) read as their long forms.
  const key = (name: string) => (name === 'Ref' ? 'Ref' : `Fn::${name}`);
  const tags = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'Join', 'Select', 'Split'].flatMap((name) => [
    { tag: `!${name}`, resolve: (value: string) => ({ [key(name)]: value }) },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON: () => unknown }) => ({ [key(name)]: seq.toJSON() }),
    },
  ]);
  const yamlText = readFileSync(join(repoRoot, 'deploy', 'github-oidc-role.yml'), 'utf8');
  const t = parseYaml(yamlText, { customTags: tags }) as CfnTemplate;
  const role = props(t, 'GitHubDeployRole');
  const trust = (role.AssumeRolePolicyDocument as { Statement: Props[] }).Statement;
  const statements = (role.Policies as { PolicyDocument: { Statement: Props[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

  it('trusts only the OIDC provider, for one repository and one branch, audience sts', () => {
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' });
    const condition = trust[0]!.Condition as Record<string, Record<string, unknown>>;
    expect(Object.keys(condition)).toEqual(['StringEquals']);
    expect(condition.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': {
        'Fn::Sub': 'repo:${GitHubRepository}:ref:refs/heads/${Branch}',
      },
    });
  });

  it('has no wildcard action, and Resource "*" only for actions that take no resource', () => {
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const action of asArray(s.Action as string | string[]))
        expect(action, String(s.Sid)).not.toMatch(/\*/);
      if (asArray(s.Resource as unknown[]).includes('*'))
        expect(s.Action).toEqual(['cloudformation:ValidateTemplate', 'cloudformation:ListExports']);
    }
  });

  it("touches only the stage's stacks and resources", () => {
    for (const s of statements) {
      if (
        s.Resource === '*' ||
        s.Sid === 'HandTheExecutionRoleToCloudFormationOnly' ||
        s.Sid === 'CarrierApiKey'
      )
        continue;
      for (const r of asArray(s.Resource as Props[]))
        expect(String(r['Fn::Sub']), String(s.Sid)).toMatch(/op-[^:]*\$\{Stage\}|op-webhook\/\$\{Stage\}/);
    }
  });

  it('cannot create resources itself: no IAM write, and PassRole only to CloudFormation', () => {
    const actions = statements.flatMap((s) => asArray(s.Action as string | string[]));
    expect(actions.filter((a) => a.startsWith('iam:'))).toEqual(['iam:PassRole']);
    expect(actions.some((a) => /^(lambda|sqs|dynamodb|ec2|rds):(Create|Delete|Put|Update)/.test(a))).toBe(
      false,
    );
    const pass = statements.find((s) => s.Action === 'iam:PassRole')!;
    expect(pass.Resource).toEqual({ 'Fn::GetAtt': 'CloudFormationExecutionRole.Arn' });
    expect(pass.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    });
  });

  it('the execution role is assumable by CloudFormation only, and its IAM rights end at the stage', () => {
    const exec = props(t, 'CloudFormationExecutionRole');
    const execTrust = (exec.AssumeRolePolicyDocument as { Statement: Props[] }).Statement;
    expect(execTrust.map((s) => s.Principal)).toEqual([{ Service: 'cloudformation.amazonaws.com' }]);
    const execStatements = (exec.Policies as { PolicyDocument: { Statement: Props[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    for (const s of execStatements) {
      const actions = asArray(s.Action as string | string[]);
      expect(actions, String(s.Sid)).not.toContain('*');
      expect(actions.filter((a) => a === 'iam:*')).toEqual([]);
      if (actions.some((a) => a.startsWith('iam:') && a !== 'iam:CreateServiceLinkedRole'))
        expect((s.Resource as Props)['Fn::Sub']).toMatch(/:role\/op-\*-\$\{Stage\}-\*$/);
    }
  });
});

describe('production packages (npm run package:release)', () => {
  it("every alarm, the canary's rollback alarms too, notifies the stage's alarm topic", async () => {
    const { releaseStacks, RELEASE_OUT, RELEASE_STAGE } = (await import(
      join(repoRoot, 'scripts', 'stacks.mjs')
    )) as {
      releaseStacks: () => string[];
      RELEASE_OUT: string;
      RELEASE_STAGE: string;
    };
    for (const stack of releaseStacks()) {
      const t = loadTemplate(stack, RELEASE_OUT);
      expect(alarms(t).length, stack).toBeGreaterThan(0);
      for (const [id, a] of alarms(t))
        expect(a.Properties?.AlarmActions, `${stack} ${id}`).toEqual([
          { 'Fn::ImportValue': `op-platform-${RELEASE_STAGE}-AlarmTopicArn` },
        ]);
    }
  });
});

describe('function error alarms', () => {
  it('default to 10% of invocations; a function whose errors are business outcomes sets its own', () => {
    const rate = (stack: string, id: string) => props(loadTemplate(stack), `${id}ErrorsAlarm`).Threshold;
    expect(rate('services/payments', 'ChargePaymentLambdaFunction')).toBe(50);
    expect(rate('services/inventory', 'ReserveStockLambdaFunction')).toBe(50);
    expect(rate('services/inventory', 'ReleaseStockLambdaFunction')).toBe(10);
    expect(rate('services/orders', 'CreateOrderLambdaFunction')).toBe(10);
  });
});
