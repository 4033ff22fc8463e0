import { describe, expect, it } from 'vitest';
import { evaluatePolicy, methodArnOf } from './policy';
import { policy } from './test-fixtures';

const base = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/local';
const arn = (method: string, path: string) =>
  methodArnOf({
    region: 'us-east-1',
    accountId: '123456789012',
    apiId: 'a1b2c3d4e5',
    stage: 'local',
    httpMethod: method,
    path,
  });

describe('evaluatePolicy', () => {
  it('builds the method ARN from the request path without its leading slash', () => {
    expect(arn('GET', '/orders/o-1')).toBe(`${base}/GET/orders/o-1`);
    expect(arn('GET', '/')).toBe(`${base}/GET/`);
  });

  it('matches `*` across slashes and `?` as exactly one character', () => {
    expect(evaluatePolicy(policy('Allow', [`${base}/GET/orders/*`]), arn('GET', '/orders/o-1/items'))).toBe(
      'Allow',
    );
    expect(evaluatePolicy(policy('Allow', [`${base}/*/*`]), arn('POST', '/orders'))).toBe('Allow');
    expect(evaluatePolicy(policy('Allow', [`${base}/GET/orders/o-?`]), arn('GET', '/orders/o-1'))).toBe(
      'Allow',
    );
    expect(evaluatePolicy(policy('Allow', [`${base}/GET/orders/o-?`]), arn('GET', '/orders/o-12'))).toBe(
      'ImplicitDeny',
    );
  });

  it('treats regex characters in resources literally', () => {
    expect(evaluatePolicy(policy('Allow', [`${base}/GET/a.c`]), arn('GET', '/abc'))).toBe('ImplicitDeny');
  });

  it('is an implicit deny without a matching Allow, another API or stage included', () => {
    expect(evaluatePolicy(policy('Allow', [`${base}/POST/orders`]), arn('GET', '/orders'))).toBe(
      'ImplicitDeny',
    );
    const otherStage = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*';
    expect(evaluatePolicy(policy('Allow', [otherStage]), arn('GET', '/orders'))).toBe('ImplicitDeny');
  });

  it('lets an explicit Deny win over any Allow', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${base}/*` },
        { Action: 'execute-api:*', Effect: 'Deny', Resource: [`${base}/POST/orders/*/cancel`] },
      ],
    };
    expect(evaluatePolicy(doc, arn('GET', '/orders/o-1'))).toBe('Allow');
    expect(evaluatePolicy(doc, arn('POST', '/orders/o-1/cancel'))).toBe('ExplicitDeny');
  });

  it('ignores statements for other actions and accepts a single statement object', () => {
    const doc = { Statement: { Action: 's3:GetObject', Effect: 'Allow', Resource: '*' } };
    expect(evaluatePolicy(doc, arn('GET', '/orders'))).toBe('ImplicitDeny');
    expect(
      evaluatePolicy({ Statement: { Action: '*', Effect: 'Allow', Resource: '*' } }, arn('GET', '/')),
    ).toBe('Allow');
  });
});
