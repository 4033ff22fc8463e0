import { describe, expect, it } from 'vitest';
import {
  lambdaFunction,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
} from '@order-platform/test-support/template';

const t = loadTemplate('services/payments');
const role = (fn: string) => resource(t, `${fn.charAt(0).toUpperCase()}${fn.slice(1)}IamRoleLambdaExecution`);
const statements = (fn: string) =>
  role(fn).Properties!.Policies[0].PolicyDocument.Statement as {
    Action: string | string[];
    Resource: unknown;
  }[];
const dataActions = (fn: string) =>
  statements(fn)
    .flatMap((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).map(
        (a) => `${a} ${refTarget(s.Resource) ?? JSON.stringify(s.Resource)}`,
      ),
    )
    .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))
    .sort();

describe('op-payments template', () => {
  it('grants no wildcard on data (X3), and each function only what it calls', () => {
    expect(wildcardStatements(t)).toEqual([]);
    const charging = [
      'dynamodb:GetItem BreakerTable',
      'dynamodb:GetItem PaymentsTable',
      'dynamodb:PutItem BreakerTable',
      'dynamodb:PutItem PaymentsTable',
      'dynamodb:UpdateItem PaymentsTable',
      'secretsmanager:GetSecretValue ProviderApiKeySecret',
    ];
    expect(dataActions('chargePayment')).toEqual(charging);
    expect(dataActions('refundPayment')).toEqual(charging);
    expect(dataActions('getPaymentByOrder')).toEqual(['dynamodb:Query PaymentsTable']);
  });

  it('keeps the provider API key out of the environment: only the secret ARN is there (P31)', () => {
    for (const fn of ['chargePayment', 'refundPayment']) {
      const env = lambdaFunction(t, fn)[1].Properties!.Environment.Variables as Record<string, unknown>;
      expect(refTarget(env.PROVIDER_API_KEY_SECRET_ID)).toBe('ProviderApiKeySecret');
      expect(Object.keys(env).filter((k) => /API_KEY$|SECRET$|TOKEN$|PASSWORD/.test(k))).toEqual([]);
      expect(refTarget(env.BREAKER_TABLE_NAME)).toBe('BreakerTable');
    }
    const secret = resource(t, 'ProviderApiKeySecret').Properties!;
    expect(secret.SecretString).toBeUndefined();
    expect(secret.GenerateSecretString).toBeDefined();
  });

  it('sizes the saga-facing functions: provider deadline inside the function timeout, bounded concurrency (X9, X11)', () => {
    for (const fn of ['chargePayment', 'refundPayment']) {
      const p = lambdaFunction(t, fn)[1].Properties!;
      expect(Number(p.Environment.Variables.PROVIDER_TIMEOUT_MS)).toBeLessThan((p.Timeout * 1000) / 2);
      expect(p.ReservedConcurrentExecutions).toBeGreaterThan(0);
    }
    expect(resourcesOfType(t, 'AWS::ApiGateway::RestApi')).toEqual([]);
  });

  it('keeps the breaker state and the payments in their own tables', () => {
    expect(resource(t, 'BreakerTable').Properties!.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
    ]);
    const payments = resource(t, 'PaymentsTable').Properties!;
    expect(payments.KeySchema.map((k: { AttributeName: string }) => k.AttributeName)).toEqual(['PK', 'SK']);
    expect(payments.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
  });

  it('exports the saga-facing function ARNs', () => {
    for (const [output, fn] of [
      ['ChargePaymentArn', 'ChargePaymentLambdaFunction'],
      ['RefundPaymentArn', 'RefundPaymentLambdaFunction'],
      ['GetPaymentByOrderArn', 'GetPaymentByOrderLambdaFunction'],
    ] as const) {
      expect(refTarget(t.Outputs![output]!.Value)).toBe(fn);
      expect(t.Outputs![output]!.Export!.Name).toBe(`op-payments-dev-${output}`);
    }
  });
});
