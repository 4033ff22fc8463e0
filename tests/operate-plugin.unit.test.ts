/**
 * The osls-operate plugin on templates no stack has yet (a stack added later: a Kinesis
 * consumer with an on-failure queue, an SNS subscription's dead-letter queue, an HTTP
 * API, an alarm that chose its own action), so what it finds does not depend on what the
 * current stacks happen to contain.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { addAlarms, failureQueues } = require('../tooling/osls-operate/index.cjs') as {
  addAlarms: (t: Template, o: Record<string, unknown>) => string[];
  failureQueues: (t: Template) => string[];
};
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

const TOPIC = { 'Fn::ImportValue': 'op-platform-dev-AlarmTopicArn' };
const options = {
  topic: TOPIC,
  prefix: 'op-analytics-dev',
  apiLatencyP99Ms: 3000,
  api5xxRate: 0.05,
  iteratorAgeMs: 60000,
  errorRatePercent: 10,
};

function laterStack(): Template {
  return {
    Resources: {
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1 } },
      ConsumerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      ConsumerFailures: { Type: 'AWS::SQS::Queue' },
      Subscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Parked', 'Arn'] } } },
      },
      Parked: { Type: 'AWS::SQS::Queue' },
      Ordinary: { Type: 'AWS::SQS::Queue' },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
          FunctionName: { 'Fn::GetAtt': ['ConsumerLambdaFunction', 'Arn'] },
          StartingPosition: 'TRIM_HORIZON',
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ConsumerFailures', 'Arn'] } } },
        },
      },
      HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
      OwnAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: ['arn:aws:sns:x:1:own'] } },
      BareAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
    },
  };
}

describe('osls-operate on a stack it has never seen', () => {
  it('finds failure queues by where they are referenced, not by name', () => {
    expect(failureQueues(laterStack())).toEqual(['ConsumerFailures', 'Parked']);
  });

  it('alarms every failure queue, the stream mapping, the HTTP API and the function', () => {
    const t = laterStack();
    const added = addAlarms(t, options).sort();
    expect(added).toEqual(
      [
        'ConsumerFailuresDepthAlarm',
        'ParkedDepthAlarm',
        'MappingIteratorAgeAlarm',
        'StreamIteratorAgeAlarm',
        'HttpApi5xxAlarm',
        'HttpApiLatencyAlarm',
        'ConsumerLambdaFunctionErrorsAlarm',
        'ConsumerLambdaFunctionThrottlesAlarm',
      ].sort(),
    );
    for (const id of added) expect(t.Resources[id]!.Properties!.AlarmActions).toEqual([TOPIC]);
    // The metric names the function, not its ARN.
    expect(t.Resources.MappingIteratorAgeAlarm!.Properties!.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: 'ConsumerLambdaFunction' } },
    ]);
    expect(t.Resources.HttpApi5xxAlarm!.Properties).toMatchObject({
      MetricName: '5xx',
      Statistic: 'Average',
    });
  });

  it('gives alarms written by hand the topic, unless they chose their own action', () => {
    const t = laterStack();
    addAlarms(t, options);
    expect(t.Resources.BareAlarm!.Properties!.AlarmActions).toEqual([TOPIC]);
    expect(t.Resources.OwnAlarm!.Properties!.AlarmActions).toEqual(['arn:aws:sns:x:1:own']);
  });

  it('adds no second alarm to a queue that already has one', () => {
    const t = laterStack();
    t.Resources.ParkedAlarm = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Parked', 'QueueName'] } }],
      },
    };
    expect(addAlarms(t, options)).not.toContain('ParkedDepthAlarm');
  });
});

describe('OP_CFN_ROLE_ARN (the GitHub workflows)', () => {
  const Operate = require('../tooling/osls-operate/index.cjs') as new (sls: unknown) => {
    hooks: Record<string, () => void>;
  };
  const withRole = (provider: Record<string, unknown>) => {
    const previous = process.env.OP_CFN_ROLE_ARN;
    process.env.OP_CFN_ROLE_ARN = 'arn:aws:iam::123456789012:role/op-cloudformation-prod';
    try {
      new Operate({ service: { provider } }).hooks.initialize!();
    } finally {
      if (previous === undefined) delete process.env.OP_CFN_ROLE_ARN;
      else process.env.OP_CFN_ROLE_ARN = previous;
    }
    return provider;
  };

  it('becomes the role CloudFormation deploys and removes the stack with', () => {
    expect(withRole({})).toEqual({
      iam: { deploymentRole: 'arn:aws:iam::123456789012:role/op-cloudformation-prod' },
    });
  });

  it("never replaces a stack's own deployment role", () => {
    expect(withRole({ iam: { deploymentRole: 'arn:own' } })).toEqual({ iam: { deploymentRole: 'arn:own' } });
  });
});
