/**
 * What every subscriber of the billing notifier promises in its template (P12, P13, X5,
 * X7): shared by the subscribers' template tests so a new subscriber is held to the same.
 */
import { expect } from 'vitest';
import type { SubscriptionFacts } from '../../../test-support/src/sns-sqs';

export function expectSelfSubscription(
  s: SubscriptionFacts,
  expected: { topicExport: string; recordTypes: string[] },
) {
  expect(s.topic, s.subscriptionId).toBe(expected.topicExport);
  expect(s.rawMessageDelivery, `${s.subscriptionId}: raw delivery keeps the envelope as the body`).toBe(true);
  expect(s.filterPolicyScope, s.subscriptionId).toBe('MessageAttributes');
  expect(s.filterPolicy, s.subscriptionId).toEqual({
    recordType: [...expected.recordTypes].sort(),
    version: [{ numeric: ['=', 1] }],
  });
  expect(s.queuePolicyAllowsTopic, `${s.queueId}: only the topic may send`).toBe(true);
  expect(s.deadLetterQueueId, `${s.queueId} has a DLQ`).toBeDefined();
  expect(s.maxReceiveCount, s.queueId).toBeGreaterThanOrEqual(5);
  expect(s.consumers.length, `${s.queueId} has a consumer`).toBeGreaterThan(0);
  for (const c of s.consumers) {
    expect(
      s.visibilityTimeout,
      `${s.queueId} visibility >= 6 x ${c.functionId} timeout`,
    ).toBeGreaterThanOrEqual(6 * c.timeout);
    expect(c.reportBatchItemFailures, c.functionId).toBe(true);
  }
}
