/**
 * Gradual release of the orders API (P30), the part serverless-plugin-canary-deployments
 * leaves to us. On the stages listed in custom.deploymentSettings.stages (production):
 *
 * - two alarms per function released through the alias, which CodeDeploy watches during
 *   the shift and which roll the deployment back: any error of the alias, and p99
 *   duration above custom.gradualRelease.p99Ms;
 * - CodeDeploy's service role with only what a Lambda deployment needs (the plugin's own
 *   role carries AWSLambda_FullAccess): read and move these functions' aliases, read these
 *   alarms, invoke the pre-traffic hook.
 *
 * On every other stage it removes the hook function: those stages deploy all at once.
 */
const ALIAS_ACTIONS = ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'];

class GradualRelease {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.hooks = {
      'before:package:initialize': () => this.dropHookWhereUnused(),
      'before:package:finalize': () => this.addReleaseResources(),
    };
  }

  get settings() {
    return this.serverless.service.custom.deploymentSettings ?? {};
  }

  get gradual() {
    return (this.settings.stages ?? []).includes(this.provider.getStage());
  }

  dropHookWhereUnused() {
    if (this.gradual || !this.settings.preTrafficHook) return;
    delete this.serverless.service.functions[this.settings.preTrafficHook];
  }

  addReleaseResources() {
    if (!this.gradual) return;
    const service = this.serverless.service;
    const naming = this.provider.naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const p99Ms = Number(service.custom.gradualRelease?.p99Ms ?? 2000);
    const released = service.getAllFunctions().filter((name) => service.getFunction(name).deploymentSettings);
    const functionArns = [];
    const alarmArns = [];
    for (const name of released) {
      const fn = service.getFunction(name);
      const id = naming.getLambdaLogicalId(name);
      const alias = fn.deploymentSettings.alias ?? this.settings.alias;
      const common = {
        Namespace: 'AWS/Lambda',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: id } },
          { Name: 'Resource', Value: { 'Fn::Sub': `\${${id}}:${alias}` } },
        ],
        Period: 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      };
      resources[`${id}CanaryErrorsAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `${name} (${alias}): an invocation failed during a release; CodeDeploy rolls back`,
          MetricName: 'Errors',
          Statistic: 'Sum',
          Threshold: 1,
          EvaluationPeriods: 1,
          ...common,
        },
      };
      resources[`${id}CanaryLatencyAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `${name} (${alias}): p99 duration above ${p99Ms} ms for 2 of 3 minutes; CodeDeploy rolls back`,
          MetricName: 'Duration',
          ExtendedStatistic: 'p99',
          Threshold: p99Ms,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          ...common,
        },
      };
      fn.deploymentSettings.alarms = [
        ...(fn.deploymentSettings.alarms ?? []),
        `${id}CanaryErrorsAlarm`,
        `${id}CanaryLatencyAlarm`,
      ];
      functionArns.push({ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `\${${id}.Arn}:*` });
      alarmArns.push(
        { 'Fn::GetAtt': [`${id}CanaryErrorsAlarm`, 'Arn'] },
        { 'Fn::GetAtt': [`${id}CanaryLatencyAlarm`, 'Arn'] },
      );
    }
    const hook = naming.getLambdaLogicalId(this.settings.preTrafficHook);
    resources.CodeDeployServiceRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [
          {
            PolicyName: 'lambda-gradual-release',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ALIAS_ACTIONS, Resource: functionArns },
                { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: alarmArns },
                {
                  Effect: 'Allow',
                  Action: ['lambda:InvokeFunction'],
                  Resource: [{ 'Fn::GetAtt': [hook, 'Arn'] }, { 'Fn::Sub': `\${${hook}.Arn}:*` }],
                },
              ],
            },
          },
        ],
      },
    };
  }
}

module.exports = GradualRelease;
