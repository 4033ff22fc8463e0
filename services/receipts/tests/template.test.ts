/** Template layer: receipts' subscription (P12/P13) and the handoff target with destinations (P10, P27). */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  refTarget,
  resourcesOfType,
  wildcardStatements,
} from '../../../test-support/src/template';
import { subscriptionFacts, subscriptionsOf } from '../../../test-support/src/sns-sqs';
import { expectSelfSubscription } from '../../billing-notifier/tests/subscription-checks';

const t = loadTemplate('services/receipts');
const json = (v: unknown) => JSON.stringify(v);
const statementsOf = (role: string) =>
  iamStatements(t)
    .filter((s) => s.owner === role)
    .map((s) => s.statement);

describe('receipts stack template', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('subscribes its own queue for PaymentCaptured and RefundIssued v1, with a DLQ, X5 redrive and bounded concurrency in front of SES', () => {
    expect(subscriptionsOf(t).map((s) => s.subscriptionId)).toEqual(['BillingRecordsSubscription']);
    const facts = subscriptionFacts(t, 'BillingRecordsSubscription');
    expectSelfSubscription(facts, {
      topicExport: 'op-billing-notifier-dev-BillingTopicArn',
      recordTypes: ['PaymentCaptured', 'RefundIssued'],
    });
    expect(facts.consumers[0]!.maximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  it('configures the handoff target with retries and both destinations (P10, P27)', () => {
    const [fnId] = lambdaFunction(t, 'sendOrderConfirmation');
    const configs = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => refTarget(c.Properties?.FunctionName) === fnId,
    );
    expect(configs).toHaveLength(1);
    const cfg = { Properties: configs[0]![1].Properties! };
    expect(cfg.Properties.MaximumRetryAttempts).toBe(2);
    expect(refTarget(cfg.Properties.DestinationConfig.OnFailure.Destination)).toBe(
      'OrderConfirmationFailuresQueue',
    );
    expect(cfg.Properties.DestinationConfig.OnSuccess.Destination).toEqual({
      'Fn::ImportValue': 'op-platform-dev-EventBusArn',
    });
    // Lambda sends destination records with the function's own role.
    const own = statementsOf('SendOrderConfirmationIamRoleLambdaExecution');
    const has = (action: string, target: unknown) =>
      own.some(
        (s) => ([] as string[]).concat(s.Action).includes(action) && json(s.Resource) === json(target),
      );
    expect(has('sqs:SendMessage', { 'Fn::GetAtt': ['OrderConfirmationFailuresQueue', 'Arn'] })).toBe(true);
    expect(has('events:PutEvents', { 'Fn::ImportValue': 'op-platform-dev-EventBusArn' })).toBe(true);
  });

  it('exports the handoff target ARN for the orders stack', () => {
    expect(t.Outputs?.SendOrderConfirmationArn?.Export?.Name).toBe(
      'op-receipts-dev-SendOrderConfirmationArn',
    );
    expect(refTarget(t.Outputs?.SendOrderConfirmationArn?.Value)).toBe('SendOrderConfirmationLambdaFunction');
  });

  it('may send email only as its own verified identity', () => {
    for (const role of [
      'SendReceiptsIamRoleLambdaExecution',
      'SendOrderConfirmationIamRoleLambdaExecution',
    ]) {
      const ses = statementsOf(role).find((s) =>
        ([] as string[]).concat(s.Action).includes('ses:SendEmail'),
      )!;
      expect(json(ses.Resource)).toMatch(/:identity\/orders\.example\.com/);
    }
  });
});
