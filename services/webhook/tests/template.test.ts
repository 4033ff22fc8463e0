/**
 * The packaged CloudFormation of the webhook stack (run `osls package` in
 * services/webhook first; npm test does it for every stack).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
  type CfnResource,
  type CfnTemplate,
} from '@order-platform/test-support/template';
import {
  DB_CONNECTION_BUDGET,
  POOL_SIZE_PER_CONTAINER,
  RELAY_CONCURRENCY,
  OUTCOMES_CONCURRENCY,
  RECONCILER_CONCURRENCY,
  SHIPMENTS_CONCURRENCY,
  WRITER_CONCURRENCY,
} from '../src/domain/budget';
import { CARRIER_REQUEST_TEMPLATE, carrierUpdateJsonSchema } from '../src/domain/shipments';
import { renderCarrierTemplate } from './vtl';

let t: CfnTemplate;
beforeAll(() => {
  t = loadTemplate('services/webhook');
});

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function mappingFor(functionLogicalId: string): CfnResource {
  const found = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').filter(
    ([, r]) => refTarget(r.Properties?.FunctionName) === functionLogicalId,
  );
  expect(found).toHaveLength(1);
  return found[0]![1];
}

/** Every resource a resource depends on, transitively (DependsOn only). */
function dependsOnClosure(id: string, seen = new Set<string>()): Set<string> {
  for (const dep of asArray(t.Resources[id]?.DependsOn)) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependsOnClosure(dep, seen);
    }
  }
  return seen;
}

describe('queues: redrive, visibility and encryption (X5, P25)', () => {
  it('every queue that is not a DLQ redrives to one after at least 5 receives', () => {
    const queues = resourcesOfType(t, 'AWS::SQS::Queue');
    const dlqs = new Set(
      queues.flatMap(([, q]) =>
        q.Properties?.RedrivePolicy ? [refTarget(q.Properties.RedrivePolicy.deadLetterTargetArn)!] : [],
      ),
    );
    expect(dlqs).toEqual(
      new Set(['PaymentsDeadLetterQueue', 'CarrierDeadLetterQueue', 'OrderOutcomesDeadLetterQueue']),
    );
    for (const [id, q] of queues) {
      expect(q.Properties?.SqsManagedSseEnabled, id).toBe(true);
      if (dlqs.has(id)) {
        expect(q.Properties?.MessageRetentionPeriod, id).toBe(1209600);
        continue;
      }
      expect(q.Properties?.RedrivePolicy?.maxReceiveCount, id).toBeGreaterThanOrEqual(5);
    }
  });

  it.each([
    ['writeLedger', 'PaymentsQueue'],
    ['recordShipments', 'CarrierQueue'],
    ['recordOrderOutcomes', 'OrderOutcomesQueue'],
  ])('%s: its queue hides a message for at least 6 × the function timeout', (fn, queue) => {
    const [id, f] = lambdaFunction(t, fn);
    expect(refTarget(mappingFor(id).Properties?.EventSourceArn)).toBe(queue);
    const timeout = f.Properties?.Timeout as number;
    expect(resource(t, queue).Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('alarms on every DLQ', () => {
    const watched = resourcesOfType(t, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties?.Namespace === 'AWS/SQS')
      .map(([, a]) => refTarget(a.Properties?.Dimensions?.[0]?.Value));
    expect(new Set(watched)).toEqual(
      new Set(['PaymentsDeadLetterQueue', 'CarrierDeadLetterQueue', 'OrderOutcomesDeadLetterQueue']),
    );
  });

  it("alarms on the reconciler's findings (the metric its handler emits)", () => {
    const alarm = resource(t, 'ReconciliationFindingsAlarm').Properties!;
    expect(alarm).toMatchObject({
      Namespace: 'OrderPlatform',
      MetricName: 'ReconciliationFindings',
      Threshold: 0,
    });
  });
});

describe('concurrency in front of Postgres (P01, P24, X9)', () => {
  const dbFunctions = () =>
    resourcesOfType(t, 'AWS::Lambda::Function').filter(([, f]) => {
      const vars = f.Properties?.Environment?.Variables ?? {};
      return 'DB_HOST' in vars || 'DATABASE_URL' in vars;
    });

  it('the writer takes batches of 10 at most WRITER_CONCURRENCY at a time, with a matching reservation', () => {
    const [id, f] = lambdaFunction(t, 'writeLedger');
    const m = mappingFor(id).Properties!;
    expect(m.BatchSize).toBe(10);
    expect(m.ScalingConfig?.MaximumConcurrency).toBe(WRITER_CONCURRENCY);
    expect(f.Properties?.ReservedConcurrentExecutions).toBe(WRITER_CONCURRENCY);
    expect(f.Properties?.Environment?.Variables?.DB_POOL_MAX).toBe(String(POOL_SIZE_PER_CONTAINER));
  });

  it('the other Postgres users are bounded too, and the sum stays within the service budget', () => {
    const [shipId, ship] = lambdaFunction(t, 'recordShipments');
    expect(mappingFor(shipId).Properties?.ScalingConfig?.MaximumConcurrency).toBe(SHIPMENTS_CONCURRENCY);
    expect(ship.Properties?.ReservedConcurrentExecutions).toBe(SHIPMENTS_CONCURRENCY);
    expect(lambdaFunction(t, 'relayOutbox')[1].Properties?.ReservedConcurrentExecutions).toBe(
      RELAY_CONCURRENCY,
    );
    expect(lambdaFunction(t, 'recordOrderOutcomes')[1].Properties?.ReservedConcurrentExecutions).toBe(
      OUTCOMES_CONCURRENCY,
    );
    expect(lambdaFunction(t, 'reconcilePayments')[1].Properties?.ReservedConcurrentExecutions).toBe(
      RECONCILER_CONCURRENCY,
    );

    const fns = dbFunctions();
    expect(fns.map(([id]) => id).sort()).toEqual([
      // the deploy-time migration holds one connection while a deploy runs
      'MigrateLambdaFunction',
      'ReconcilePaymentsLambdaFunction',
      'RecordOrderOutcomesLambdaFunction',
      'RecordShipmentsLambdaFunction',
      'RelayOutboxLambdaFunction',
      'WriteLedgerLambdaFunction',
    ]);
    let total = 0;
    for (const [id, f] of fns) {
      const reserved = f.Properties?.ReservedConcurrentExecutions;
      expect(reserved, `${id} needs reserved concurrency`).toBeGreaterThan(0);
      expect(f.Properties?.Environment?.Variables?.DB_POOL_MAX).toBe('1');
      expect(f.Properties?.VpcConfig, `${id} reaches the proxy from the VPC`).toBeDefined();
      total += reserved * POOL_SIZE_PER_CONTAINER;
    }
    expect(total).toBeLessThanOrEqual(DB_CONNECTION_BUDGET);
  });

  it('every SQS consumer reports partial batch failures (X7)', () => {
    for (const [id, m] of resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')) {
      expect(m.Properties?.FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('the receiver touches no database and sits outside the VPC', () => {
    const [, f] = lambdaFunction(t, 'receivePaymentWebhook');
    const vars = f.Properties?.Environment?.Variables ?? {};
    expect(vars.DB_HOST).toBeUndefined();
    expect(vars.DATABASE_URL).toBeUndefined();
    expect(f.Properties?.VpcConfig).toBeUndefined();
    expect(f.Properties?.Timeout).toBeLessThanOrEqual(6);
  });
});

describe('POST /webhooks/payments', () => {
  it('is a Lambda proxy route without an authorizer (the signature authenticates it)', () => {
    const m = resource(t, 'ApiGatewayMethodWebhooksPaymentsPost').Properties!;
    expect(m.HttpMethod).toBe('POST');
    expect(m.AuthorizationType).toBe('NONE');
    expect(m.Integration.Type).toBe('AWS_PROXY');
    expect(JSON.stringify(m.Integration.Uri)).toContain('ReceivePaymentWebhookLambdaFunction');
  });

  it('reads the signing secret from Secrets Manager at run time, never from the environment (P31)', () => {
    const [, f] = lambdaFunction(t, 'receivePaymentWebhook');
    const vars = f.Properties?.Environment?.Variables ?? {};
    expect(refTarget(vars.SIGNING_SECRET_ID)).toBe('PaymentSigningSecret');
    expect(resource(t, 'PaymentSigningSecret').Type).toBe('AWS::SecretsManager::Secret');
    for (const [name, value] of Object.entries(vars)) {
      if (typeof value === 'string') expect(value, name).not.toMatch(/whsec_|-----BEGIN/);
    }
    const grants = iamStatements(t).filter(
      ({ owner }) => owner === 'ReceivePaymentWebhookIamRoleLambdaExecution',
    );
    const secretGrant = grants.find(({ statement }) =>
      asArray(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    expect(refTarget(secretGrant?.statement.Resource)).toBe('PaymentSigningSecret');
  });
});

describe('POST /webhooks/carrier: API Gateway straight into SQS (P28)', () => {
  const method = () => resource(t, 'CarrierUpdatePostMethod').Properties!;

  it('integrates with SQS directly: an AWS integration, no Lambda anywhere on the route', () => {
    const m = method();
    expect(m.HttpMethod).toBe('POST');
    expect(m.Integration.Type).toBe('AWS');
    expect(m.Integration.IntegrationHttpMethod).toBe('POST');
    const uri = m.Integration.Uri['Fn::Sub'] as string;
    expect(uri).toMatch(
      /^arn:aws:apigateway:\$\{AWS::Region\}:sqs:path\/\$\{AWS::AccountId\}\/\$\{CarrierQueue\.QueueName\}$/,
    );
    expect(JSON.stringify(m)).not.toMatch(/lambda/i);
    expect(m.Integration.RequestParameters['integration.request.header.Content-Type']).toBe(
      "'application/x-www-form-urlencoded'",
    );
    expect(m.Integration.PassthroughBehavior).toBe('NEVER');
    expect(refTarget(m.ResourceId)).toBe('WebhooksCarrierResource');
    expect(refTarget(resource(t, 'WebhooksCarrierResource').Properties?.ParentId)).toBe(
      'ApiGatewayResourceWebhooks',
    );
  });

  it('its request template builds SendMessage form parameters that carry the body unchanged', () => {
    const template = method().Integration.RequestTemplates['application/json'] as string;
    expect(template).toBe(CARRIER_REQUEST_TEMPLATE);
    expect(template).toContain('Action=SendMessage');
    expect(template).toContain('MessageBody=$util.urlEncode($input.body)');
    const body = JSON.stringify({ eventId: 'e 1', note: 'a&b=c+d/é' });
    const form = new URLSearchParams(renderCarrierTemplate(template, { body, requestId: 'req-1' }));
    expect(form.get('Action')).toBe('SendMessage');
    expect(form.get('MessageBody')).toBe(body);
    expect(form.get('MessageAttribute.1.Name')).toBe('correlationId');
    expect(form.get('MessageAttribute.1.Value.StringValue')).toBe('req-1');
  });

  it('rejects malformed bodies at the gateway (validator + model) and requires the carrier API key', () => {
    const m = method();
    expect(m.ApiKeyRequired).toBe(true);
    expect(resource(t, refTarget(m.RequestValidatorId)!).Properties?.ValidateRequestBody).toBe(true);
    const model = resource(t, refTarget(m.RequestModels['application/json'])!).Properties!;
    expect(model.ContentType).toBe('application/json');
    expect(model.Schema).toEqual(carrierUpdateJsonSchema);
    expect(
      resourcesOfType(t, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties?.ResponseType),
    ).toContain('BAD_REQUEST_BODY');
    expect(resourcesOfType(t, 'AWS::ApiGateway::ApiKey')).toHaveLength(1);
  });

  it('uses its own role that may only send to that one queue', () => {
    const roleId = refTarget(method().Integration.Credentials)!;
    const role = resource(t, roleId).Properties!;
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal.Service).toBe('apigateway.amazonaws.com');
    const statements = iamStatements(t)
      .filter(({ owner }) => owner === roleId)
      .map(({ statement }) => statement);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['CarrierQueue', 'Arn'] } },
    ]);
  });

  it('is part of the deployed stage: the generated deployment waits for it', () => {
    const [deploymentId] = resourcesOfType(t, 'AWS::ApiGateway::Deployment')[0]!;
    expect(dependsOnClosure(deploymentId).has('CarrierUpdatePostMethod')).toBe(true);
  });
});

describe('least privilege (X3)', () => {
  it('grants no wildcard action or resource on data', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it('each function may send only to the queues it uses', () => {
    const sends = iamStatements(t)
      .filter(({ statement }) => asArray(statement.Action).includes('sqs:SendMessage'))
      .map(({ owner, statement }) => [owner, refTarget(statement.Resource)]);
    expect(sends.sort()).toEqual(
      [
        ['CarrierProxyRole', 'CarrierQueue'],
        ['ReceivePaymentWebhookIamRoleLambdaExecution', 'PaymentsQueue'],
        ['RecordShipmentsIamRoleLambdaExecution', 'CarrierDeadLetterQueue'],
        ['RecordOrderOutcomesIamRoleLambdaExecution', 'OrderOutcomesDeadLetterQueue'],
        ['WriteLedgerIamRoleLambdaExecution', 'PaymentsDeadLetterQueue'],
      ].sort(),
    );
  });

  it('exports the payments queue for the services that post to it (frugal consumer)', () => {
    expect(t.Outputs?.PaymentsQueueUrl?.Export?.Name).toBe('op-webhook-dev-PaymentsQueueUrl');
    expect(t.Outputs?.PaymentsQueueArn?.Export?.Name).toBe('op-webhook-dev-PaymentsQueueArn');
  });
});

describe('billing records: the outbox publishes to the billing notifier topic', () => {
  const TOPIC = { 'Fn::ImportValue': 'op-billing-notifier-dev-BillingTopicArn' };

  it('only the writer and the relay may publish, and only to the imported billing topic', () => {
    const publishers = iamStatements(t).filter(({ statement }) =>
      asArray(statement.Action).some((a) => String(a).startsWith('sns:')),
    );
    expect(publishers.map((p) => p.owner).sort()).toEqual([
      'RelayOutboxIamRoleLambdaExecution',
      'WriteLedgerIamRoleLambdaExecution',
    ]);
    for (const { statement } of publishers) {
      expect(asArray(statement.Action)).toEqual(['sns:Publish']);
      expect(statement.Resource).toEqual(TOPIC);
    }
  });

  it('both publishers know the topic, and sit in the VPC (SNS through its interface endpoint)', () => {
    for (const name of ['writeLedger', 'relayOutbox']) {
      const [, f] = lambdaFunction(t, name);
      expect(f.Properties?.Environment?.Variables?.BILLING_TOPIC_ARN, name).toEqual(TOPIC);
      expect(f.Properties?.VpcConfig, name).toBeDefined();
    }
  });
});

describe('deploy-time migrations', () => {
  it('runs the newest migration through a custom resource, from a function inside the VPC', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { repoRoot } = await import('../../../test-support/src/template');
    const newest = readdirSync(join(repoRoot, 'services/webhook/migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .at(-1)!
      .replace(/\.sql$/, '');
    const schema = t.Resources.LedgerSchema!;
    expect(schema.Type).toBe('Custom::PaymentsLedgerSchema');
    expect(schema.Properties?.Version).toBe(newest);
    expect(JSON.stringify(schema.Properties?.ServiceToken)).toContain('MigrateLambdaFunction');
    expect(t.Resources.MigrateLambdaFunction!.Properties?.ReservedConcurrentExecutions).toBe(1);
  });
});
