/** Template layer: what the packaged billing-notifier stack promises (P12, P14, P27, X3). */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
} from '../../../test-support/src/template';

const t = loadTemplate('services/billing-notifier');
const json = (v: unknown) => JSON.stringify(v);

describe('billing-notifier stack template', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('exports the billing topic ARN for publishers and subscribers in other stacks', () => {
    expect(t.Outputs?.BillingTopicArn?.Export?.Name).toBe('op-billing-notifier-dev-BillingTopicArn');
    expect(refTarget(t.Outputs?.BillingTopicArn?.Value)).toBe('BillingTopic');
    expect(t.Outputs?.BillingOpsTopicArn?.Export?.Name).toBe('op-billing-notifier-dev-BillingOpsTopicArn');
    expect(t.Outputs?.AnnounceInvoiceDocumentArn?.Export?.Name).toBe(
      'op-billing-notifier-dev-AnnounceInvoiceDocumentArn',
    );
  });

  it('lets principals of the account publish to and subscribe to the billing topic, over TLS only (P12)', () => {
    const statements = resource(t, 'BillingTopicPolicy').Properties!.PolicyDocument.Statement as Record<
      string,
      unknown
    >[];
    const allow = (action: string) =>
      statements.find(
        (s) => s.Effect === 'Allow' && ([] as string[]).concat(s.Action as string).includes(action),
      );
    expect(json(allow('sns:Publish')?.Principal)).toContain(':root');
    expect(json(allow('sns:Publish')?.Principal)).toContain('AWS::AccountId');
    expect(allow('sns:Subscribe')).toBeDefined();
    expect(
      statements.some((s) => s.Effect === 'Deny' && json(s.Condition).includes('aws:SecureTransport')),
    ).toBe(true);
    expect(refTarget((resource(t, 'BillingTopicPolicy').Properties!.Topics as unknown[])[0])).toBe(
      'BillingTopic',
    );
  });

  it('keeps the billing-ops topic private: only the trigger function may publish (P14)', () => {
    const statements = resource(t, 'BillingOpsTopicPolicy').Properties!.PolicyDocument.Statement as Record<
      string,
      unknown
    >[];
    const deny = statements.find(
      (s) => s.Effect === 'Deny' && s.Action !== undefined && json(s.Action).includes('sns:Publish'),
    )!;
    expect(deny.Principal).toBe('*');
    expect(json(deny.Condition)).toContain('AnnounceInvoiceDocumentIamRoleLambdaExecution');
    const [, fn] = lambdaFunction(t, 'announceInvoiceDocument');
    expect(refTarget(fn.Properties?.Role)).toBe('AnnounceInvoiceDocumentIamRoleLambdaExecution');
  });

  it('the trigger only publishes to its private topic and can write no object, so it cannot re-trigger itself (P14)', () => {
    const own = iamStatements(t)
      .filter((s) => s.owner === 'AnnounceInvoiceDocumentIamRoleLambdaExecution')
      .map((s) => s.statement);
    const actions = own.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions.some((a) => a.startsWith('s3:'))).toBe(false);
    const publish = own.find((s) => ([] as string[]).concat(s.Action).includes('sns:Publish'))!;
    expect(refTarget(publish.Resource)).toBe('BillingOpsTopic');
    const [, fn] = lambdaFunction(t, 'announceInvoiceDocument');
    expect(fn.Properties?.Environment?.Variables?.DOCUMENT_PREFIX).toBe('invoices/');
  });

  it('sends asynchronous invocations that fail every retry to an on-failure destination (P27)', () => {
    const configs = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    const cfg = { Properties: configs[0]![1].Properties! };
    expect(refTarget(cfg.Properties.FunctionName)).toBe('AnnounceInvoiceDocumentLambdaFunction');
    expect(refTarget(cfg.Properties.DestinationConfig.OnFailure.Destination)).toBe('AnnounceFailuresQueue');
    expect(cfg.Properties.MaximumRetryAttempts).toBeLessThanOrEqual(2);
    const own = iamStatements(t)
      .filter((s) => s.owner === 'AnnounceInvoiceDocumentIamRoleLambdaExecution')
      .map((s) => s.statement);
    expect(
      own.some(
        (s) =>
          ([] as string[]).concat(s.Action).includes('sqs:SendMessage') &&
          refTarget(s.Resource) === 'AnnounceFailuresQueue',
      ),
    ).toBe(true);
  });
});
