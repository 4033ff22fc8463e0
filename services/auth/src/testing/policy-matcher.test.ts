import { describe, expect, it } from 'vitest';
import { isAllowed, methodArn, wildcardMatches } from './policy-matcher';

const policy = (...statements: { Effect: string; Resource: string[]; Action?: string }[]) => ({
  policyDocument: { Statement: statements.map((s) => ({ Action: 'execute-api:Invoke', ...s })) },
});

describe('execute-api policy matcher (test helper)', () => {
  it('treats * as any characters, slashes included, and ? as exactly one', () => {
    expect(wildcardMatches('a/GET/orders/*', 'a/GET/orders/1/items')).toBe(true);
    expect(wildcardMatches('a/GET/orders/*', 'a/GET/orders')).toBe(false);
    expect(wildcardMatches('a/*/*', 'a/GET/')).toBe(true);
    expect(wildcardMatches('a/GET/o?', 'a/GET/ox')).toBe(true);
    expect(wildcardMatches('a/GET/o?', 'a/GET/oxy')).toBe(false);
    expect(wildcardMatches('a.b', 'axb')).toBe(false);
  });

  it('allows only on a matching Allow, and an explicit Deny wins', () => {
    // Prepare
    const arn = methodArn('GET', '/orders/1');
    const base = arn.slice(0, arn.indexOf('/GET/'));

    // Act / Assess
    expect(isAllowed(policy({ Effect: 'Allow', Resource: [`${base}/GET/orders/*`] }), arn)).toBe(true);
    expect(isAllowed(policy({ Effect: 'Allow', Resource: [`${base}/POST/orders/*`] }), arn)).toBe(false);
    expect(
      isAllowed(
        policy(
          { Effect: 'Allow', Resource: [`${base}/*/*`] },
          { Effect: 'Deny', Resource: [`${base}/GET/orders/1`] },
        ),
        arn,
      ),
    ).toBe(false);
    expect(
      isAllowed(policy({ Effect: 'Allow', Resource: [`${base}/*/*`], Action: 's3:GetObject' }), arn),
    ).toBe(false);
    expect(
      isAllowed(policy({ Effect: 'Allow', Resource: [`${base}/*/*`], Action: 'execute-api:*' }), arn),
    ).toBe(true);
    expect(
      isAllowed(
        {
          policyDocument: { Statement: [{ Effect: 'Allow', Action: '*', NotResource: [`${base}/POST/*`] }] },
        },
        arn,
      ),
    ).toBe(true);
  });
});
