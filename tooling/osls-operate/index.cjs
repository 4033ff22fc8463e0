/**
 * osls plugin: every stack that lists it is packaged with alarms that page someone.
 *
 * After the stack's own `resources` are merged, it reads the compiled template and adds
 * an alarm, with the platform's alarm topic as its action, for
 *   - every SQS queue used as a dead-letter queue or an on-failure destination (a redrive
 *     policy, an EventBridge target's or subscription's DLQ, a function's DLQ, an async
 *     or stream on-failure destination): any message visible;
 *   - every stream event source mapping (it has a StartingPosition), and every Kinesis
 *     stream: iterator age; every Firehose delivery stream: freshness of its S3 delivery;
 *   - every REST or HTTP API: 5xx rate and p99 latency;
 *   - every function: errors (as a rate of invocations) and throttles;
 *   - every state machine: failed executions;
 * and gives every alarm the stack already has, and that has no action, the same action.
 * Nothing is listed per stack, so a stack added later is covered by listing the plugin.
 *
 * With OP_CFN_ROLE_ARN in the environment, every stack is deployed and removed through that
 * CloudFormation service role (see useDeploymentRole).
 *
 * Settings (custom.operate, all optional):
 *   alarmTopic         the action (default: Fn::ImportValue op-platform-<stage>-AlarmTopicArn)
 *   dashboard          a dashboard name: add the platform dashboard (dashboard.cjs) to this stack
 *   apiLatencyP99Ms    p99 latency threshold per API (default 3000)
 *   api5xxRate         share of requests answered 5xx (default 0.05)
 *   iteratorAgeMs      oldest unprocessed stream record (default 60000)
 *   deliveryFreshnessSeconds  oldest record Firehose has not delivered (default 1800)
 *   errorRatePercent   a function's errors as a share of its invocations (default 10);
 *                      per function: functions: { <name>: { errorRatePercent: 50 } }
 */
'use strict';

const { dashboardBody } = require('./dashboard.cjs');

const DEFAULTS = {
  apiLatencyP99Ms: 3000,
  api5xxRate: 0.05,
  iteratorAgeMs: 60000,
  errorRatePercent: 10,
  // Firehose buffers up to 900 s: twice that is late.
  deliveryFreshnessSeconds: 1800,
};

class Operate {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      initialize: () => this.useDeploymentRole(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.apply(),
    };
  }

  /**
   * OP_CFN_ROLE_ARN (set by the GitHub workflows: deploy/github-oidc-role.yml) becomes the
   * role CloudFormation creates the stack with, so the caller needs no rights of its own
   * on the stack's resources. A stack that names its own deploymentRole keeps it.
   */
  useDeploymentRole() {
    const role = process.env.OP_CFN_ROLE_ARN;
    if (!role) return;
    const provider = this.serverless.service.provider;
    provider.iam ??= {};
    provider.iam.deploymentRole ??= role;
  }

  apply() {
    const service = this.serverless.service;
    const stage = this.serverless.getProvider('aws').getStage();
    const settings = service.custom?.operate ?? {};
    const template = service.provider.compiledCloudFormationTemplate;
    const functionNames = {};
    for (const name of Object.keys(service.functions ?? {}))
      functionNames[this.serverless.getProvider('aws').naming.getLambdaLogicalId(name)] = name;
    const added = addAlarms(template, {
      ...DEFAULTS,
      ...settings,
      stage,
      prefix: `${service.service}-${stage}`,
      topic: settings.alarmTopic ?? { 'Fn::ImportValue': `op-platform-${stage}-AlarmTopicArn` },
      functionNames,
    });
    if (settings.dashboard) {
      template.Resources.Dashboard = {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: { DashboardName: settings.dashboard, DashboardBody: dashboardBody(stage) },
      };
    }
    this.serverless.cli?.log?.(`osls-operate: ${added.length} alarms added`);
  }
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The logical id a value points at (Ref X, Fn::GetAtt [X, ...]), if any. */
function target(value) {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

const FAILURE_KEY = /dead.?letter|onfailure/i;

/**
 * Logical ids of the template's SQS queues that receive what something else gave up on:
 * any reference to a queue found under a property path with a dead-letter or on-failure
 * key (RedrivePolicy.deadLetterTargetArn, DeadLetterConfig, DestinationConfig.OnFailure).
 */
function failureQueues(template) {
  const resources = template.Resources ?? {};
  const isQueue = (id) => resources[id]?.Type === 'AWS::SQS::Queue';
  const found = new Set();
  const walk = (value, underFailureKey) => {
    const id = target(value);
    if (id !== undefined) {
      if (underFailureKey && isQueue(id)) found.add(id);
      return;
    }
    if (Array.isArray(value)) for (const v of value) walk(v, underFailureKey);
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) walk(v, underFailureKey || FAILURE_KEY.test(k));
  };
  for (const resource of Object.values(resources)) walk(resource.Properties ?? {}, false);
  return [...found].sort();
}

/** Queues some existing alarm already watches for visible messages. */
function alarmedQueues(template) {
  const watched = new Set();
  for (const r of Object.values(template.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    if (r.Properties?.MetricName !== 'ApproximateNumberOfMessagesVisible') continue;
    for (const d of r.Properties.Dimensions ?? []) if (d.Name === 'QueueName') watched.add(target(d.Value));
  }
  return watched;
}

function addAlarms(template, o) {
  const resources = (template.Resources ??= {});
  const added = [];
  const actions = () => [o.topic];
  // Alarms written by hand in the stack: the same action, unless they chose their own.
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    r.Properties ??= {};
    if (!r.Properties.AlarmActions?.length) r.Properties.AlarmActions = actions();
  }
  const put = (logicalId, description, name, props) => {
    if (resources[logicalId]) return;
    resources[logicalId] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${o.prefix}-${name}`.slice(0, 255),
        AlarmDescription: description,
        ActionsEnabled: true,
        AlarmActions: actions(),
        TreatMissingData: 'notBreaching',
        ...props,
      },
    };
    added.push(logicalId);
  };

  const already = alarmedQueues(template);
  for (const queue of failureQueues(template)) {
    if (already.has(queue)) continue;
    put(`${queue}DepthAlarm`, `Messages are waiting in ${queue} (a DLQ or failure destination)`, queue, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  }

  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::EventSourceMapping' && p.StartingPosition !== undefined) {
      put(
        `${id}IteratorAgeAlarm`,
        `Stream records wait longer than ${o.iteratorAgeMs} ms (${id})`,
        `${id}-age`,
        {
          Namespace: 'AWS/Lambda',
          MetricName: 'IteratorAge',
          // The mapping names its function by ARN (GetAtt); the metric by name (Ref).
          Dimensions: [
            {
              Name: 'FunctionName',
              Value: target(p.FunctionName) ? { Ref: target(p.FunctionName) } : p.FunctionName,
            },
          ],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 3,
          Threshold: Number(o.iteratorAgeMs),
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
  }

  // Streams read by other services than Lambda (Firehose, say): the stream's own iterator
  // age; and every delivery stream's freshness (how old the oldest record not yet in S3 is).
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::Kinesis::Stream')
      put(`${id}IteratorAgeAlarm`, `Records wait in ${id} longer than ${o.iteratorAgeMs} ms`, `${id}-age`, {
        Namespace: 'AWS/Kinesis',
        MetricName: 'GetRecords.IteratorAgeMilliseconds',
        Dimensions: [{ Name: 'StreamName', Value: { Ref: id } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 3,
        Threshold: Number(o.iteratorAgeMs),
        ComparisonOperator: 'GreaterThanThreshold',
      });
    if (r.Type === 'AWS::KinesisFirehose::DeliveryStream')
      put(
        `${id}FreshnessAlarm`,
        `Records wait in ${id} longer than ${o.deliveryFreshnessSeconds} s for S3`,
        `${id}-freshness`,
        {
          Namespace: 'AWS/Firehose',
          MetricName: 'DeliveryToS3.DataFreshness',
          Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: id } }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 2,
          Threshold: Number(o.deliveryFreshnessSeconds),
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
  }

  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    let dimensions;
    let errors;
    if (r.Type === 'AWS::ApiGateway::RestApi') {
      dimensions = [{ Name: 'ApiName', Value: p.Name }];
      errors = '5XXError';
    } else if (r.Type === 'AWS::ApiGatewayV2::Api' && (p.ProtocolType ?? 'HTTP') === 'HTTP') {
      dimensions = [{ Name: 'ApiId', Value: { Ref: id } }];
      errors = '5xx';
    } else continue;
    put(`${id}5xxAlarm`, `More than ${o.api5xxRate * 100}% of requests answered 5xx (${id})`, `${id}-5xx`, {
      Namespace: 'AWS/ApiGateway',
      MetricName: errors,
      Dimensions: dimensions,
      // Each request counts 0 or 1, so the average is the share answered 5xx.
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: Number(o.api5xxRate),
      ComparisonOperator: 'GreaterThanThreshold',
    });
    put(`${id}LatencyAlarm`, `p99 latency above ${o.apiLatencyP99Ms} ms (${id})`, `${id}-p99`, {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: Number(o.apiLatencyP99Ms),
      ComparisonOperator: 'GreaterThanThreshold',
    });
  }

  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::StepFunctions::StateMachine') {
      put(`${id}ExecutionsFailedAlarm`, `Executions of ${id} failed (compensation gave up)`, `${id}-failed`, {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const fn = { Name: 'FunctionName', Value: { Ref: id } };
    const own = o.functions?.[o.functionNames?.[id]] ?? {};
    const percent = Number(own.errorRatePercent ?? o.errorRatePercent);
    const lambdaMetric = (name) => ({
      Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [fn] },
      Period: 300,
      Stat: 'Sum',
    });
    put(`${id}ErrorsAlarm`, `More than ${percent}% of invocations of ${id} failed`, `${id}-errors`, {
      Metrics: [
        { Id: 'errors', MetricStat: lambdaMetric('Errors'), ReturnData: false },
        { Id: 'invocations', MetricStat: lambdaMetric('Invocations'), ReturnData: false },
        {
          Id: 'rate',
          Label: 'errors per 100 invocations',
          Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
          ReturnData: true,
        },
      ],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: percent,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    put(`${id}ThrottlesAlarm`, `Invocations of ${id} were throttled`, `${id}-throttles`, {
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [fn],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  }
  return added;
}

module.exports = Operate;
module.exports.addAlarms = addAlarms;
module.exports.failureQueues = failureQueues;
