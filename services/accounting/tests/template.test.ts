/** Template layer: accounting's two self-subscriptions (P12/P13 and the P14 private topic). */
import { describe, expect, it } from 'vitest';
import { iamStatements, loadTemplate, wildcardStatements } from '../../../test-support/src/template';
import { subscriptionFacts, subscriptionsOf } from '../../../test-support/src/sns-sqs';
import { expectSelfSubscription } from '../../billing-notifier/tests/subscription-checks';

const t = loadTemplate('services/accounting');

describe('accounting stack template', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('subscribes one queue to every billing record type, and one to the private billing-ops topic', () => {
    expect(
      subscriptionsOf(t)
        .map((s) => s.subscriptionId)
        .sort(),
    ).toEqual(['BillingRecordsSubscription', 'DocumentsSubscription']);
    expectSelfSubscription(subscriptionFacts(t, 'BillingRecordsSubscription'), {
      topicExport: 'op-billing-notifier-dev-BillingTopicArn',
      recordTypes: ['InvoiceIssued', 'PaymentCaptured', 'RefundIssued'],
    });
    expectSelfSubscription(subscriptionFacts(t, 'DocumentsSubscription'), {
      topicExport: 'op-billing-notifier-dev-BillingOpsTopicArn',
      recordTypes: ['InvoiceDocumentStored'],
    });
  });

  it('writes only under exports/ of its own bucket', () => {
    const puts = iamStatements(t).filter((s) =>
      ([] as string[]).concat(s.statement.Action).includes('s3:PutObject'),
    );
    expect(puts).toHaveLength(2);
    for (const p of puts)
      expect(JSON.stringify(p.statement.Resource)).toContain('${ExportsBucket.Arn}/exports/*');
  });
});
