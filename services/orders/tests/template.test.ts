/** Template layer: what the packaged CloudFormation of the orders stack promises. */
import { describe, expect, it } from 'vitest';
import { iamStatements, loadTemplate, refTarget, resourcesOfType, wildcardStatements } from '../../../test-support/src/template';

const t = loadTemplate('services/orders');

describe('orders stack template', () => {
  it('grants no wildcard action or wildcard resource on data (X3)', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('gives every function its own role', () => {
    const fns = resourcesOfType(t, 'AWS::Lambda::Function');
    const roles = new Set(fns.map(([, f]) => refTarget(f.Properties?.Role)));
    expect(roles.size).toBe(fns.length);
  });

  it('runs every function on nodejs22.x with API handlers well under the 29 s limit (X11)', () => {
    for (const [id, fn] of resourcesOfType(t, 'AWS::Lambda::Function')) {
      expect(fn.Properties?.Runtime, id).toBe('nodejs22.x');
      if (id !== 'PublishEventsLambdaFunction') expect(fn.Properties?.Timeout, id).toBeLessThanOrEqual(10);
    }
  });

  it('puts the gatekeeper on every route except health (P08)', () => {
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties?.HttpMethod !== 'OPTIONS');
    expect(methods.length).toBeGreaterThanOrEqual(5);
    for (const [id, m] of methods) {
      if (id.includes('Health')) {
        expect(m.Properties?.AuthorizationType, id).toBe('NONE');
      } else {
        expect(m.Properties?.AuthorizationType, id).toBe('CUSTOM');
        expect(refTarget(m.Properties?.AuthorizerId), id).toBe('GatekeeperApiGatewayAuthorizer');
      }
    }
    const [, authorizer] = resourcesOfType(t, 'AWS::ApiGateway::Authorizer')[0]!;
    expect(authorizer.Properties?.AuthorizerResultTtlInSeconds).toBeGreaterThan(0);
    expect(JSON.stringify(authorizer.Properties?.AuthorizerUri)).toContain('op-auth-dev-AuthorizerArn');
  });

  it('routes each path and method to its own function, all sharing one table (P07)', () => {
    const integrations = resourcesOfType(t, 'AWS::ApiGateway::Method').map(([, m]) => JSON.stringify(m.Properties?.Integration?.Uri));
    for (const fn of ['CreateOrder', 'GetOrder', 'ListCustomerOrders', 'CancelOrder', 'Health']) {
      expect(integrations.some((u) => u.includes(`${fn}LambdaFunction`)), fn).toBe(true);
    }
    const tableEnv = resourcesOfType(t, 'AWS::Lambda::Function')
      .filter(([id]) => !['HealthLambdaFunction', 'PublishEventsLambdaFunction'].includes(id))
      .map(([, f]) => refTarget(f.Properties?.Environment?.Variables?.TABLE_NAME));
    expect(new Set(tableEnv)).toEqual(new Set(['OrdersTable']));
  });

  it('streams order changes with new and old images', () => {
    expect(t.Resources.OrdersTable!.Properties?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('configures the outbox stream mapping defensively (X6, X7)', () => {
    const [, mapping] = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')[0]!;
    const p = mapping.Properties!;
    expect(p.BisectBatchOnFunctionError).toBe(true);
    expect(p.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(p.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(p.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(refTarget(p.DestinationConfig?.OnFailure?.Destination)).toBe('PublisherFailureQueue');
    expect(JSON.stringify(p.FilterCriteria)).toContain('ORDER');
  });

  it('never lets the publisher write to the orders table (no loop)', () => {
    const publisherRole = refTarget(t.Resources.PublishEventsLambdaFunction!.Properties?.Role)!;
    const writes = iamStatements(t)
      .filter(({ owner }) => owner === publisherRole)
      .filter(({ statement }) => JSON.stringify(statement.Resource).includes('"OrdersTable"') && !JSON.stringify(statement.Resource).includes('StreamArn'))
      .flatMap(({ statement }) => [statement.Action].flat())
      .filter((a) => /Put|Update|Delete|Write/.test(String(a)));
    expect(writes).toEqual([]);
  });

  it('bounds the publisher concurrency (X9)', () => {
    expect(t.Resources.PublishEventsLambdaFunction!.Properties?.ReservedConcurrentExecutions).toBeGreaterThan(0);
  });

  it('exports the table stream for the reporting projector', () => {
    expect(JSON.stringify(t.Outputs?.OrdersTableStreamArn?.Export)).toContain('OrdersTableStreamArn');
  });
});
