/** Template layer: invoicing subscribes itself to the billing notifier (P12/P13) and owns the P14 event source. */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  loadTemplate,
  resource,
  wildcardStatements,
} from '../../../test-support/src/template';
import { subscriptionFacts, subscriptionsOf } from '../../../test-support/src/sns-sqs';
import { expectSelfSubscription } from '../../billing-notifier/tests/subscription-checks';

const t = loadTemplate('services/invoicing');
const json = (v: unknown) => JSON.stringify(v);

describe('invoicing stack template', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('subscribes its own queue to the billing topic for PaymentCaptured v1 only, with a DLQ and X5 redrive', () => {
    expect(subscriptionsOf(t).map((s) => s.subscriptionId)).toEqual(['PaymentsSubscription']);
    expectSelfSubscription(subscriptionFacts(t, 'PaymentsSubscription'), {
      topicExport: 'op-billing-notifier-dev-BillingTopicArn',
      recordTypes: ['PaymentCaptured'],
    });
  });

  it('writes invoice documents under invoices/ only, and publishes only to the billing topic', () => {
    const own = iamStatements(t)
      .filter((s) => s.owner === 'IssueInvoiceIamRoleLambdaExecution')
      .map((s) => s.statement);
    const put = own.find((s) => ([] as string[]).concat(s.Action).includes('s3:PutObject'))!;
    expect(json(put.Resource)).toContain('/invoices/*');
    const publish = own.find((s) => ([] as string[]).concat(s.Action).includes('sns:Publish'))!;
    expect(publish.Resource).toEqual({ 'Fn::ImportValue': 'op-billing-notifier-dev-BillingTopicArn' });
  });

  it('keeps one invoice per payment: the table key is the payment id', () => {
    expect(resource(t, 'InvoicesTable').Properties?.KeySchema).toEqual([
      { AttributeName: 'paymentId', KeyType: 'HASH' },
    ]);
  });

  it('notifies the billing notifier trigger for invoices/ only, with its own scoped permission (P14)', () => {
    const bucket = resource(t, 'InvoicesBucket').Properties!;
    const [config] = bucket.NotificationConfiguration.LambdaConfigurations;
    expect(config.Function).toEqual({
      'Fn::ImportValue': 'op-billing-notifier-dev-AnnounceInvoiceDocumentArn',
    });
    expect(config.Filter.S3Key.Rules).toEqual([{ Name: 'prefix', Value: 'invoices/' }]);
    const permission = resource(t, 'InvoicesBucketAnnouncePermission').Properties!;
    expect(permission).toMatchObject({ Principal: 's3.amazonaws.com', Action: 'lambda:InvokeFunction' });
    expect(json(permission.SourceArn)).toContain('op-invoicing-dev-${AWS::AccountId}-${AWS::Region}');
    expect(json(bucket.BucketName)).toContain('op-invoicing-dev-${AWS::AccountId}-${AWS::Region}');
    expect(bucket.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('serves the billing API behind the gatekeeper, reading only the customer index', () => {
    const method = resource(t, 'ApiGatewayMethodCustomersCustomeridVarInvoicesGet').Properties!;
    expect(method).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'CUSTOM' });
    expect(resource(t, 'GatekeeperApiGatewayAuthorizer').Properties?.AuthorizerUri).toBeDefined();
    expect(json(resource(t, 'GatekeeperLambdaPermissionApiGateway').Properties?.FunctionName)).toContain(
      'op-auth-dev-AuthorizerArn',
    );
    const own = iamStatements(t)
      .filter((s) => s.owner === 'ListCustomerInvoicesIamRoleLambdaExecution')
      .map((s) => s.statement)
      .filter((s) => !([] as string[]).concat(s.Action).some((a) => /^(xray|logs):/.test(a)));
    expect(own).toHaveLength(1);
    expect(own[0]!.Action).toEqual(['dynamodb:Query']);
    expect(json(own[0]!.Resource)).toContain('/index/ByCustomer');
  });

  it('indexes invoices by customer, newest first, projecting what the API shows (never the email)', () => {
    const [index] = resource(t, 'InvoicesTable').Properties!.GlobalSecondaryIndexes;
    expect(index).toMatchObject({
      IndexName: 'ByCustomer',
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'issuedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE' },
    });
    expect(index.Projection.NonKeyAttributes).not.toContain('customerEmail');
  });

  it('exports the billing API URL for the reporting dashboard', () => {
    expect(t.Outputs?.ApiUrl?.Export?.Name).toBe('op-invoicing-dev-ApiUrl');
    expect(json(t.Outputs?.ApiUrl?.Value)).toContain('execute-api');
  });
});
