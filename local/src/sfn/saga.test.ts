/**
 * The orders saga exactly as packaged (services/orders' OrderSagaStateMachine), run by
 * the local Step Functions service with fake functions: to CONFIRMED with the payment
 * wait resumed through SendTaskSuccess over the AWS SDK, and down its compensation
 * paths when the charge or the payment fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { repoRoot } from '@order-platform/test-support/template';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStepFunctions, type LocalStepFunctions } from './index';
import {
  ACCOUNT,
  FakeError,
  fakeFunctions,
  functionArn,
  memoryLog,
  REGION,
  sfnClient,
  stateMachineResource,
  until,
  type FakeFunctions,
  type MemoryLog,
} from './test-helpers';

/** The packaged template (`npm run package`), or the local runner's package of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ordersTemplate(): { Resources: Record<string, { Properties?: Record<string, any> }> } {
  for (const dir of ['.serverless', '.serverless-local']) {
    const file = join(repoRoot, 'services/orders', dir, 'cloudformation-template-update-stack.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  }
  throw new Error('No packaged orders template: run "npm run package" first (npm test does).');
}

/**
 * The definition with its `Fn::Sub` placeholders resolved as CloudFormation would: a
 * GetAtt of a function in this stack is its ARN, an ImportValue `op-<svc>-<stage>-XyzArn`
 * the ARN of function `op-<svc>-<stage>-xyz`. Returns the ASL text and, by the short
 * function name (sagaBegin, reserveStock, …), the full name each ARN points at.
 */
function sagaDefinition(): { text: string; names: Record<string, string> } {
  const template = ordersTemplate();
  const sub = template.Resources.OrderSagaStateMachine!.Properties!.DefinitionString['Fn::Sub'] as [
    string,
    Record<string, { 'Fn::GetAtt'?: [string, string]; 'Fn::ImportValue'?: string }>,
  ];
  const names: Record<string, string> = {};
  const arns: Record<string, string> = {};
  for (const [variable, value] of Object.entries(sub[1])) {
    let name: string;
    if (value['Fn::GetAtt']) {
      name = template.Resources[value['Fn::GetAtt'][0]]!.Properties!.FunctionName;
    } else {
      const exported = /^(.*)-([A-Za-z]+)Arn$/.exec(value['Fn::ImportValue']!)!;
      name = `${exported[1]}-${exported[2]![0]!.toLowerCase()}${exported[2]!.slice(1)}`;
    }
    names[name.split('-').pop()!] = name;
    arns[variable] = functionArn(name);
  }
  const text = sub[0].replace(/\$\{([^}]+)\}/g, (_m, v: string) => {
    if (!arns[v]) throw new Error(`Unresolved placeholder \${${v}} in the saga definition`);
    return arns[v];
  });
  return { text, names };
}

let sfn: LocalStepFunctions;
let client: SFNClient;
let log: MemoryLog;
let functions: FakeFunctions;
const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:op-orders-local-saga`;

/** What each test makes of the charge and of the payment confirmation. */
let charge: (e: { orderId: string }) => unknown;
let awaitPayment: (e: { orderId: string; taskToken: string }) => Promise<unknown>;

beforeAll(async () => {
  const { text, names } = sagaDefinition();
  expect(Object.keys(names).sort()).toEqual([
    'chargePayment',
    'refundPayment',
    'releaseStock',
    'reserveStock',
    'sagaAwaitPayment',
    'sagaBegin',
    'sagaRecordedOutcome',
    'sagaTransition',
  ]);
  const fake = {
    sagaBegin: (e: { orderId: string; correlationId: string }) => ({
      orderId: e.orderId,
      customerId: 'c-1',
      customerEmail: 'c-1@example.com',
      lines: [{ sku: 'SKU-1', quantity: 2 }],
      total: 3_000,
      currency: 'EUR',
      correlationId: e.correlationId,
    }),
    reserveStock: (e: { orderId: string }) => ({ orderId: e.orderId, reserved: true }),
    sagaTransition: (e: { orderId: string; to: string }) => ({ orderId: e.orderId, status: e.to }),
    chargePayment: (e: { orderId: string }) => charge(e),
    sagaAwaitPayment: (e: { orderId: string; taskToken: string }) => awaitPayment(e),
    refundPayment: (e: { orderId: string }) => ({ orderId: e.orderId, refunded: true }),
    releaseStock: (e: { orderId: string }) => ({ orderId: e.orderId, released: true }),
    sagaRecordedOutcome: () => ({ outcome: 'NONE' }),
  };
  functions = fakeFunctions(
    Object.fromEntries(Object.entries(fake).map(([short, fn]) => [names[short]!, fn])),
  );
  log = memoryLog();
  const resource = stateMachineResource('op-orders-local-saga', text);
  sfn = await startStepFunctions({
    stateMachines: [
      { ...resource, physicalId: machine, attributes: { Arn: machine, Name: 'op-orders-local-saga' } },
    ],
    functions,
    awsEndpoint: 'http://127.0.0.1:1',
    region: REGION,
    accountId: ACCOUNT,
    log,
    retryIntervalMs: 0,
  });
  client = sfnClient(sfn.url);
});

afterAll(async () => {
  await sfn?.close();
});

/** The input EventBridge hands the saga: the OrderPlaced event. */
const orderPlaced = (orderId: string) =>
  JSON.stringify({
    version: '0',
    id: `evt-${orderId}`,
    'detail-type': 'OrderPlaced',
    source: 'op.orders',
    detail: { data: { orderId }, metadata: { correlationId: `corr-${orderId}` } },
  });

/** The short names of the functions called for this order, in order, with transitions spelled out. */
function steps(orderId: string): string[] {
  return functions.calls
    .filter((c) => (c.event as { orderId?: string }).orderId === orderId)
    .map((c) => {
      const short = c.name.split('-').pop()!;
      const to = (c.event as { to?: string }).to;
      return to ? `${short}:${to}` : short;
    });
}

describe('the orders saga (packaged ASL) on the local Step Functions service', () => {
  it('reserves, charges, waits for the confirmation sent through SendTaskSuccess, CONFIRMED', async () => {
    charge = (e) => ({ orderId: e.orderId, paymentId: 'pay-1' });
    // As saga-await-payment does when the outcome arrived first: resume through the API.
    awaitPayment = async (e) => {
      await client.send(
        new SendTaskSuccessCommand({
          taskToken: e.taskToken,
          output: JSON.stringify({ paymentId: 'pay-1', status: 'SUCCEEDED' }),
        }),
      );
      return { orderId: e.orderId, waiting: false };
    };
    const { executionArn } = await sfn.startExecution(machine, orderPlaced('o-ok'), 'o-ok');
    const done = await sfn.waitFor(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ orderId: 'o-ok', status: 'CONFIRMED' });
    expect(steps('o-ok')).toEqual([
      'sagaBegin',
      'reserveStock',
      'sagaTransition:RESERVED',
      'chargePayment',
      'sagaTransition:PAYMENT_PENDING',
      'sagaAwaitPayment',
      'sagaTransition:CONFIRMED',
    ]);
    expect(functions.callsOf(functions.calls[0]!.name)[0]).toMatchObject({ executionId: executionArn });
    expect(log.lines).toContainEqual({
      source: 'sfn/op-orders-local-saga',
      message: 'Entered WaitForPaymentConfirmation',
      correlationId: 'corr-o-ok',
    });
  });

  it('a declined charge releases the stock and ends FAILED, nothing to refund', async () => {
    charge = () => {
      throw new FakeError('PaymentDeclinedError', 'card declined');
    };
    const { executionArn } = await sfn.startExecution(machine, orderPlaced('o-declined'));
    const done = await sfn.waitFor(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ orderId: 'o-declined', status: 'FAILED' });
    expect(steps('o-declined')).toEqual([
      'sagaBegin',
      'reserveStock',
      'sagaTransition:RESERVED',
      'chargePayment',
      'releaseStock',
      'sagaTransition:FAILED',
    ]);
    const markFailed = functions.calls
      .filter((c) => (c.event as { orderId: string }).orderId === 'o-declined')
      .at(-1)!;
    expect(markFailed.event).toMatchObject({ to: 'FAILED', reason: 'PaymentDeclinedError' });
  });

  it('a payment that fails while the saga waits (SendTaskFailure) is refunded, stock released, FAILED', async () => {
    charge = (e) => ({ orderId: e.orderId, paymentId: 'pay-2' });
    const tokens: string[] = [];
    awaitPayment = async (e) => {
      tokens.push(e.taskToken);
      return { orderId: e.orderId, waiting: true };
    };
    const { executionArn } = await sfn.startExecution(machine, orderPlaced('o-failed'));
    await until(() => tokens.length === 1);
    // As payment-events does on PaymentFailed: fail the waiting task with the stored token.
    await client.send(
      new SendTaskFailureCommand({
        taskToken: tokens[0],
        error: 'PaymentFailedError',
        cause: 'insufficient funds',
      }),
    );
    const done = await sfn.waitFor(executionArn);
    expect(JSON.parse(done.output!)).toEqual({ orderId: 'o-failed', status: 'FAILED' });
    expect(steps('o-failed')).toEqual([
      'sagaBegin',
      'reserveStock',
      'sagaTransition:RESERVED',
      'chargePayment',
      'sagaTransition:PAYMENT_PENDING',
      'sagaAwaitPayment',
      'refundPayment',
      'releaseStock',
      'sagaTransition:FAILED',
    ]);
    expect(
      functions.callsOf(functions.calls.find((c) => c.name.endsWith('refundPayment'))!.name).at(-1),
    ).toMatchObject({
      orderId: 'o-failed',
      reason: 'PaymentFailedError',
    });
  });
});
