import { describe, expect, it } from 'vitest';
import { apiBaseOf, policyFor } from './policy';
import { AccessRejectedError } from './errors';
import { isAllowed, methodArn, TEST_API } from '../testing/policy-matcher';

const customer = { customerId: 'c-123', role: 'customer' as const };
const admin = { customerId: 'ops-1', role: 'admin' as const };

describe('apiBaseOf', () => {
  it('keeps partition, region, account, API and stage of the method ARN', () => {
    expect(apiBaseOf('arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/GET/orders/1')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod',
    );
    expect(apiBaseOf('arn:aws-cn:execute-api:cn-north-1:123456789012:xyz/dev/POST/')).toBe(
      'arn:aws-cn:execute-api:cn-north-1:123456789012:xyz/dev',
    );
  });

  it.each([
    '',
    'arn:aws:lambda:eu-west-1:123456789012:function:x',
    'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3',
    'arn:aws:execute-api:eu-west-1:12345:a/dev/GET/x',
  ])('refuses %j', (arn) => {
    expect(() => apiBaseOf(arn)).toThrow(AccessRejectedError);
  });
});

describe('policyFor', () => {
  it('names the customer as principal and passes customerId and role to the services', () => {
    // Act
    const result = policyFor(customer, methodArn('GET', '/orders/ord_1'));

    // Assess
    expect(result.principalId).toBe('c-123');
    expect(result.context).toEqual({ customerId: 'c-123', role: 'customer' });
    expect(result.policyDocument.Version).toBe('2012-10-17');
  });

  // The policy is cached per token and reused for the next calls, so it is judged
  // against every route, not only the one that triggered the authorizer.
  const current = methodArn('POST', '/orders');

  it.each([
    ['POST', '/orders'],
    ['GET', '/orders/ord_1'],
    ['POST', '/orders/ord_1/cancel'],
    ['GET', '/customers/c-123/orders'],
    ['GET', '/customers/c-123/summary'],
    ['GET', '/customers/c-123/dashboard'],
    ['GET', '/reports/customers/c-123/summary'],
  ])('lets a customer call %s %s', (method, path) => {
    expect(isAllowed(policyFor(customer, current), methodArn(method, path))).toBe(true);
  });

  it.each([
    ['GET', '/customers/other/orders'],
    ['GET', '/customers/c-1234/orders'],
    ['GET', '/customers/c-12/orders'],
    ['GET', '/customers/c-123'],
    ['POST', '/customers/c-123/orders'],
    ['GET', '/reports/customers/other/summary'],
    ['GET', '/reports/daily'],
    ['GET', '/orders'],
    ['DELETE', '/orders/ord_1'],
    ['PUT', '/orders/ord_1'],
    ['GET', '/admin/orders'],
    ['POST', '/inventory/reservations'],
  ])('denies a customer %s %s', (method, path) => {
    expect(isAllowed(policyFor(customer, current), methodArn(method, path))).toBe(false);
  });

  it('lets an admin call any method and route of the same API and stage', () => {
    const policy = policyFor(admin, current);
    for (const [method, path] of [
      ['GET', '/customers/other/orders'],
      ['DELETE', '/orders/ord_1'],
      ['GET', '/reports/daily'],
      ['GET', '/'],
    ] as const) {
      expect(isAllowed(policy, methodArn(method, path))).toBe(true);
    }
  });

  it('grants nothing on another API or stage, even to an admin', () => {
    for (const principal of [customer, admin]) {
      const policy = policyFor(principal, current);
      expect(isAllowed(policy, methodArn('POST', '/orders', { ...TEST_API, apiId: 'zzzz999999' }))).toBe(
        false,
      );
      expect(isAllowed(policy, methodArn('POST', '/orders', { ...TEST_API, stage: 'prod' }))).toBe(false);
    }
  });
});
