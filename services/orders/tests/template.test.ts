/** Template layer: what the packaged CloudFormation of the orders stack promises. */
import { describe, expect, it } from 'vitest';
import aslValidator from 'asl-validator';
import {
  iamStatements,
  loadTemplate,
  refTarget,
  resourcesOfType,
  wildcardStatements,
  type PolicyStatement,
} from '../../../test-support/src/template';
import { loadStateMachineDefinition } from '../../../test-support/src/sfn-local';

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

  it('runs every function on nodejs24.x with API handlers well under the 29 s limit (X11)', () => {
    for (const [id, fn] of resourcesOfType(t, 'AWS::Lambda::Function')) {
      expect(fn.Properties?.Runtime, id).toBe('nodejs24.x');
      if (id !== 'PublishEventsLambdaFunction')
        expect(fn.Properties?.Timeout ?? 6, id).toBeLessThanOrEqual(10);
    }
  });

  it('puts the gatekeeper on every route except health (P08)', () => {
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties?.HttpMethod !== 'OPTIONS',
    );
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
    const integrations = resourcesOfType(t, 'AWS::ApiGateway::Method').map(([, m]) =>
      JSON.stringify(m.Properties?.Integration?.Uri),
    );
    for (const fn of ['CreateOrder', 'GetOrder', 'ListCustomerOrders', 'CancelOrder', 'Health']) {
      expect(
        integrations.some((u) => u.includes(`${fn}LambdaFunction`)),
        fn,
      ).toBe(true);
    }
    const tableEnv = resourcesOfType(t, 'AWS::Lambda::Function')
      .map(([, f]) => f.Properties?.Environment?.Variables?.TABLE_NAME)
      .filter((v) => v !== undefined)
      .map(refTarget);
    expect(new Set(tableEnv)).toEqual(new Set(['OrdersTable']));
  });

  it('calls other services asynchronously from this API: events and an async handoff, never a wait (P07)', () => {
    const handoff = t.Resources.HandoffConfirmationLambdaFunction!;
    expect(JSON.stringify(handoff.Properties?.Environment)).toContain('SendOrderConfirmationArn');
    const [, invokeConfig] = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').find(([, c]) =>
      JSON.stringify(c).includes('HandoffConfirmation'),
    )!;
    expect(refTarget(invokeConfig.Properties?.DestinationConfig?.OnFailure?.Destination)).toBe(
      'HandoffFailuresQueue',
    );
  });

  it('streams order changes with new and old images', () => {
    expect(t.Resources.OrdersTable!.Properties?.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });

  it('configures the outbox stream mapping defensively (X6, X7)', () => {
    const [, mapping] = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').find(
      ([, m]) => refTarget(m.Properties?.FunctionName) === 'PublishEventsLambdaFunction',
    )!;
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
      .filter(
        ({ statement }) =>
          JSON.stringify(statement.Resource).includes('"OrdersTable"') &&
          !JSON.stringify(statement.Resource).includes('StreamArn'),
      )
      .flatMap(({ statement }) => [statement.Action].flat())
      .filter((a) => /Put|Update|Delete|Write/.test(String(a)));
    expect(writes).toEqual([]);
  });

  it('bounds the publisher concurrency (X9)', () => {
    expect(t.Resources.PublishEventsLambdaFunction!.Properties?.ReservedConcurrentExecutions).toBeGreaterThan(
      0,
    );
  });

  it('exports the table stream for the reporting projector', () => {
    expect(JSON.stringify(t.Outputs?.OrdersTableStreamArn?.Export)).toContain('OrdersTableStreamArn');
  });
});

describe('order saga state machine (P03)', () => {
  const definition = loadStateMachineDefinition('services/orders', 'OrderSagaStateMachine');
  const states = Object.entries(definition.States as Record<string, Record<string, any>>); // eslint-disable-line @typescript-eslint/no-explicit-any
  const tasks = states.filter(([, s]) => s.Type === 'Task');
  const compensations = ['RefundPayment', 'ReleaseStock', 'MarkFailed'];

  it('is valid ASL (asl-validator)', () => {
    const result = aslValidator(definition);
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('gives every Task a Retry, and every Task outside compensation a Catch', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(9);
    for (const [name, state] of tasks) {
      expect(state.Retry?.length, `${name} has no Retry`).toBeGreaterThan(0);
      if (!compensations.includes(name)) {
        expect(state.Catch?.length, `${name} has no Catch`).toBeGreaterThan(0);
        expect(state.Catch.at(-1).ErrorEquals, `${name} must end with a catch-all`).toEqual(['States.ALL']);
      }
      expect(state.TimeoutSeconds, `${name} has no timeout`).toBeGreaterThan(0);
    }
  });

  it('asks the steps safe to repeat again on a crash or no answer; the errors they catch by name keep their own policy', () => {
    const safe = [
      'Begin',
      'ReserveStock',
      'MarkReserved',
      'ChargePayment',
      'MarkPaymentPending',
      'CheckRecordedOutcome',
    ];
    for (const name of safe) {
      const retry: { ErrorEquals: string[]; MaxAttempts?: number }[] = definition.States[name].Retry;
      const transient = retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
      expect(retry[transient]?.ErrorEquals, name).toEqual(['States.TaskFailed', 'States.Timeout']);
      expect(retry[transient]!.MaxAttempts, name).toBeGreaterThanOrEqual(2);
      // Every error the step catches by name is matched by an earlier retrier (most with
      // MaxAttempts 0: the saga's answers), never by the transient one.
      const answers = (definition.States[name].Catch as { ErrorEquals: string[] }[])
        .flatMap((c) => c.ErrorEquals)
        .filter((e) => !e.startsWith('States.'));
      for (const answer of answers) {
        const first = retry.findIndex((r) => r.ErrorEquals.includes(answer));
        expect(first, `${name}: ${answer}`).toBeGreaterThanOrEqual(0);
        expect(first, `${name}: ${answer}`).toBeLessThan(transient);
      }
    }
    // Confirm follows a capture: asked again whatever failed, for minutes.
    const confirm = definition.States.Confirm.Retry.at(-1);
    expect(confirm.ErrorEquals).toEqual(['States.ALL']);
    expect(confirm.MaxAttempts).toBeGreaterThanOrEqual(10);
  });

  it('retries compensations long enough to outlast an open circuit', () => {
    for (const name of compensations) {
      const retry = definition.States[name].Retry[0];
      expect(retry.ErrorEquals).toEqual(['States.ALL']);
      expect(retry.MaxAttempts).toBeGreaterThanOrEqual(10);
    }
  });

  it('waits for the payment with a task token and a timeout (X11: nothing waits synchronously)', () => {
    const wait = definition.States.WaitForPaymentConfirmation;
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(wait.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('ends only in Confirmed, Cancelled, Failed or AlreadyHandled', () => {
    const terminal = states
      .filter(([, s]) => s.Type === 'Succeed' || s.Type === 'Fail' || s.End)
      .map(([n]) => n);
    expect(terminal.sort()).toEqual(['AlreadyHandled', 'Cancelled', 'Confirmed', 'Failed']);
  });

  it("lets the state machine's role invoke only the saga's functions (least privilege)", () => {
    const role = t.Resources.OrderSagaStateMachineRole!;
    const statements = role.Properties!.Policies.flatMap(
      (p: { PolicyDocument: { Statement: PolicyStatement[] } }) => p.PolicyDocument.Statement,
    );
    const invoke = statements.find((s: PolicyStatement) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    )!;
    const targets = JSON.stringify(invoke.Resource);
    for (const fn of [
      'SagaBegin',
      'SagaTransition',
      'SagaAwaitPayment',
      'ReserveStockArn',
      'ReleaseStockArn',
      'ChargePaymentArn',
      'RefundPaymentArn',
    ]) {
      expect(targets).toContain(fn);
    }
    expect(targets).not.toContain('CreateOrder');
    expect(targets).not.toContain('"*"');
  });

  it('is started by OrderPlaced v1 on the platform bus, with a DLQ for undeliverable events', () => {
    const [, rule] = resourcesOfType(t, 'AWS::Events::Rule').find(([, r]) =>
      JSON.stringify(r.Properties?.EventPattern).includes('OrderPlaced'),
    )!;
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['order-platform.orders'],
      'detail-type': ['OrderPlaced'],
      detail: { metadata: { version: [1] } },
    });
    expect(rule.Properties?.Targets[0].DeadLetterConfig).toBeDefined();
  });
});
