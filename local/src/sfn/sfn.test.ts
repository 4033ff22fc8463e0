/**
 * The local Step Functions service with small state machines and fake functions: Task
 * states, Retry / Catch on Lambda errors, the lambda:invoke wrapping, callback tasks
 * resumed through the real AWS SDK, timeouts, and the API's execution calls.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { startStepFunctions, type LocalStepFunctions } from './index';
import {
  ACCOUNT,
  FakeError,
  fakeFunctions,
  functionArn,
  machineArn,
  memoryLog,
  REGION,
  sfnClient,
  stateMachineResource,
  until,
  type FakeFunction,
  type MemoryLog,
} from './test-helpers';

let sfn: LocalStepFunctions | undefined;
let client: SFNClient;
let log: MemoryLog;

async function start(definitions: Record<string, object>, fns: Record<string, FakeFunction>) {
  const functions = fakeFunctions(fns);
  log = memoryLog();
  sfn = await startStepFunctions({
    stateMachines: Object.entries(definitions).map(([name, d]) => stateMachineResource(name, d)),
    functions,
    awsEndpoint: 'http://127.0.0.1:1',
    region: REGION,
    accountId: ACCOUNT,
    log,
    retryIntervalMs: 0,
  });
  client = sfnClient(sfn.url);
  return functions;
}

afterEach(async () => {
  await sfn?.close();
  sfn = undefined;
});

async function run(machine: string, input: unknown, name?: string) {
  const { executionArn } = await sfn!.startExecution(machineArn(machine), JSON.stringify(input), name);
  const done = await sfn!.waitFor(executionArn, 10_000);
  return { ...done, result: done.output === undefined ? undefined : JSON.parse(done.output) };
}

/** A callback task on function `await`; the test (or the fake) answers its token. */
const callbackMachine = (extra: object = {}) => ({
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: functionArn('await'),
        Payload: { 'orderId.$': '$.orderId', 'token.$': '$$.Task.Token' },
      },
      ResultPath: '$.confirmation',
      ...extra,
      End: true,
    },
  },
});

describe('Task states', () => {
  it('runs a Lambda ARN resource with the context object available to Parameters', async () => {
    const fns = await start(
      {
        Simple: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: functionArn('work'),
              Parameters: {
                'value.$': '$.value',
                'executionId.$': '$$.Execution.Id',
                'executionName.$': '$$.Execution.Name',
                'startTime.$': '$$.Execution.StartTime',
                'machine.$': '$$.StateMachine.Id',
              },
              ResultPath: '$.work',
              End: true,
            },
          },
        },
      },
      { work: (e) => ({ doubled: e.value * 2 }) },
    );
    const done = await run('Simple', { value: 21, correlationId: 'corr-1' }, 'exec-1');
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ value: 21, correlationId: 'corr-1', work: { doubled: 42 } });
    const event = fns.callsOf('work')[0] as Record<string, string>;
    expect(event).toMatchObject({
      value: 21,
      executionId: `arn:aws:states:${REGION}:${ACCOUNT}:execution:Simple:exec-1`,
      executionName: 'exec-1',
      machine: machineArn('Simple'),
    });
    expect(new Date(event.startTime!).getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(log.lines).toContainEqual({
      source: 'sfn/Simple',
      message: 'Entered Work',
      correlationId: 'corr-1',
    });
    expect(log.messages('sfn/Simple')).toContain('Execution exec-1 SUCCEEDED');
  });

  it('retries a custom Lambda error, then catches it with the cause AWS gives', async () => {
    const fns = await start(
      {
        Retrying: {
          StartAt: 'Reserve',
          States: {
            Reserve: {
              Type: 'Task',
              Resource: functionArn('reserve'),
              Retry: [
                { ErrorEquals: ['Lambda.ServiceException'], MaxAttempts: 5 },
                { ErrorEquals: ['InventoryBusyError'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
              ],
              Catch: [
                { ErrorEquals: ['OutOfStockError'], ResultPath: '$.error', Next: 'OutOfStock' },
                { ErrorEquals: ['InventoryBusyError'], ResultPath: '$.error', Next: 'Busy' },
              ],
              End: true,
            },
            OutOfStock: { Type: 'Fail', Error: 'OutOfStock' },
            Busy: { Type: 'Pass', End: true },
          },
        },
      },
      {
        reserve: () => {
          throw new FakeError('InventoryBusyError', 'inventory is busy');
        },
      },
    );
    const done = await run('Retrying', { orderId: 'o-1' });
    expect(done.status).toBe('SUCCEEDED');
    expect(fns.callsOf('reserve')).toHaveLength(3); // the first try and two retries
    expect(done.result.error.Error).toBe('InventoryBusyError');
    expect(JSON.parse(done.result.error.Cause)).toEqual({
      errorMessage: 'inventory is busy',
      errorType: 'InventoryBusyError',
      trace: ['InventoryBusyError: inventory is busy'],
    });
    expect(log.messages()).toContain('Retrying Reserve (attempt 2)');
  });

  it('lets States.TaskFailed catch a Lambda error, and fails the execution when nothing catches it', async () => {
    await start(
      {
        TaskFailed: {
          StartAt: 'Charge',
          States: {
            Charge: {
              Type: 'Task',
              Resource: functionArn('charge'),
              Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Pass', Result: 'caught', End: true },
          },
        },
        Uncaught: {
          StartAt: 'Charge2',
          States: { Charge2: { Type: 'Task', Resource: functionArn('charge'), End: true } },
        },
      },
      {
        charge: () => {
          throw new FakeError('PaymentDeclinedError', 'card declined');
        },
      },
    );
    expect((await run('TaskFailed', {})).result).toBe('caught');
    const failed = await run('Uncaught', {});
    expect(failed).toMatchObject({ status: 'FAILED', error: 'PaymentDeclinedError' });
    expect(JSON.parse(failed.cause!).errorMessage).toBe('card declined');
    expect(failed.stopDate).toBeInstanceOf(Date);
  });

  it('wraps arn:aws:states:::lambda:invoke results as AWS does', async () => {
    const fns = await start(
      {
        Invoke: {
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
              ResultSelector: { 'body.$': '$.Payload', 'status.$': '$.StatusCode' },
              ResultPath: '$.call',
              Next: 'Raw',
            },
            Raw: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: functionArn('echo'), Payload: { fixed: true } },
              End: true,
            },
          },
        },
      },
      { echo: (e) => ({ got: e }) },
    );
    const done = await run('Invoke', { a: 1 });
    expect(done.status).toBe('SUCCEEDED');
    expect(fns.callsOf('echo')).toEqual([{ a: 1 }, { fixed: true }]);
    expect(done.result).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { got: { fixed: true } },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn }));
    expect(history.events!.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history.events![2]!.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      parameters: JSON.stringify({ FunctionName: 'echo', Payload: { a: 1 } }),
    });
  });

  it('fails a Task whose function does not exist with Lambda.ResourceNotFoundException', async () => {
    await start(
      {
        Missing: { StartAt: 'T', States: { T: { Type: 'Task', Resource: functionArn('nope'), End: true } } },
      },
      {},
    );
    expect(await run('Missing', {})).toMatchObject({
      status: 'FAILED',
      error: 'Lambda.ResourceNotFoundException',
    });
  });
});

describe('callback tasks (.waitForTaskToken) through the AWS SDK', () => {
  it('resumes on SendTaskSuccess sent by the function itself, before it returns', async () => {
    const fns = await start(
      { Callback: callbackMachine() },
      {
        await: async (e) => {
          await client.send(
            new SendTaskSuccessCommand({ taskToken: e.token, output: JSON.stringify({ paymentId: 'p-1' }) }),
          );
          return { waiting: false };
        },
      },
    );
    const done = await run('Callback', { orderId: 'o-1' });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ orderId: 'o-1', confirmation: { paymentId: 'p-1' } });
    const { token } = fns.callsOf('await')[0] as { token: string };
    // A token resolves its task once; afterwards it is gone, as in AWS.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('fails the task on SendTaskFailure (caught by its error name); each entry gets a fresh token', async () => {
    const fns = await start(
      {
        Failing: {
          StartAt: 'Wait',
          States: {
            Wait: {
              ...callbackMachine().States.Wait,
              End: undefined,
              Next: 'Done',
              Retry: [{ ErrorEquals: ['ProviderHiccup'], MaxAttempts: 1 }],
              Catch: [{ ErrorEquals: ['PaymentFailedError'], ResultPath: '$.error', Next: 'Refund' }],
            },
            Refund: { Type: 'Pass', Result: true, ResultPath: '$.refunded', End: true },
            Done: { Type: 'Pass', End: true },
          },
        },
      },
      { await: () => ({ waiting: true }) },
    );
    const { executionArn } = await sfn!.startExecution(machineArn('Failing'), '{"orderId":"o-2"}');
    await until(() => fns.callsOf('await').length === 1);
    const first = (fns.callsOf('await')[0] as { token: string }).token;
    await client.send(new SendTaskHeartbeatCommand({ taskToken: first }));
    await client.send(
      new SendTaskFailureCommand({ taskToken: first, error: 'ProviderHiccup', cause: 'try again' }),
    );
    await until(() => fns.callsOf('await').length === 2);
    const second = (fns.callsOf('await')[1] as { token: string }).token;
    expect(second).not.toBe(first);
    await client.send(
      new SendTaskFailureCommand({ taskToken: second, error: 'PaymentFailedError', cause: 'card expired' }),
    );
    const done = await sfn!.waitFor(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      orderId: 'o-2',
      error: { Error: 'PaymentFailedError', Cause: 'card expired' },
      refunded: true,
    });
  }, 10_000);

  it('raises States.Timeout after TimeoutSeconds, which Catch handles; the token is then timed out', async () => {
    const fns = await start(
      {
        Timing: {
          StartAt: 'Wait',
          States: {
            Wait: {
              ...callbackMachine().States.Wait,
              TimeoutSeconds: 1,
              Catch: [
                { ErrorEquals: ['States.TaskFailed'], Next: 'Wrong' },
                { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
              ],
            },
            Wrong: { Type: 'Fail', Error: 'TaskFailedMatchedATimeout' },
            TimedOut: { Type: 'Pass', End: true },
          },
        },
      },
      { await: () => ({ waiting: true }) },
    );
    const done = await run('Timing', { orderId: 'o-3' });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.error.Error).toBe('States.Timeout');
    const { token } = fns.callsOf('await')[0] as { token: string };
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('answers InvalidToken for a token it never issued', async () => {
    await start({ Callback: callbackMachine() }, {});
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      client.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'X' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });
});

describe('the execution API', () => {
  it('StartExecution: same name and input returns the running execution; anything else is ExecutionAlreadyExists', async () => {
    await start({ Callback: callbackMachine() }, { await: () => ({ waiting: true }) });
    const arn = machineArn('Callback');
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"1"}' }),
    );
    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"1"}' }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(first.startDate).toBeInstanceOf(Date);
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"2"}' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    // A closed execution's name cannot be reused, even with the same input.
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"1"}' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: machineArn('Nope'), input: '{}' })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    expect(sfn!.executions(arn)).toHaveLength(1);
  });

  it('DescribeExecution, ListExecutions (statusFilter) and StopExecution', async () => {
    const fns = await start({ Callback: callbackMachine() }, { await: () => ({ waiting: true }) });
    const arn = machineArn('Callback');
    const a = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'a', input: '{"orderId":"a"}' }),
    );
    const b = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'b', input: '{"orderId":"b"}' }),
    );
    await until(() => fns.callsOf('await').length === 2);
    const tokenOf = (orderId: string) =>
      (fns.callsOf('await') as { orderId: string; token: string }[]).find((e) => e.orderId === orderId)!
        .token;
    await client.send(new SendTaskSuccessCommand({ taskToken: tokenOf('a'), output: '{"ok":true}' }));
    await sfn!.waitFor(a.executionArn!);

    const described = await client.send(new DescribeExecutionCommand({ executionArn: a.executionArn }));
    expect(described).toMatchObject({
      executionArn: a.executionArn,
      stateMachineArn: arn,
      name: 'a',
      status: 'SUCCEEDED',
      input: '{"orderId":"a"}',
      output: JSON.stringify({ orderId: 'a', confirmation: { ok: true } }),
    });
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());

    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions!.map((e) => e.name)).toEqual(['b']);
    const all = await client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(all.executions!.map((e) => e.name)).toEqual(['b', 'a']);

    const stopped = await client.send(
      new StopExecutionCommand({ executionArn: b.executionArn, error: 'Cancelled', cause: 'by the test' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await client.send(new DescribeExecutionCommand({ executionArn: b.executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'by the test',
    });
    // The stopped execution's callback is gone.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: tokenOf('b'), output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    const history = await client.send(
      new GetExecutionHistoryCommand({ executionArn: b.executionArn, reverseOrder: true }),
    );
    await sfn!.waitFor(b.executionArn!);
    expect(
      (
        await client.send(
          new GetExecutionHistoryCommand({ executionArn: b.executionArn, reverseOrder: true }),
        )
      ).events![0]!.type,
    ).toBe('ExecutionAborted');
    expect(history.events!.at(-1)!.type).toBe('ExecutionStarted');

    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: `${a.executionArn}-missing` })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('DescribeStateMachine and ListStateMachines', async () => {
    await start(
      { Callback: callbackMachine(), Other: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } },
      {},
    );
    const described = await client.send(
      new DescribeStateMachineCommand({ stateMachineArn: machineArn('Callback') }),
    );
    expect(described).toMatchObject({ name: 'Callback', status: 'ACTIVE', type: 'STANDARD' });
    expect(JSON.parse(described.definition!)).toEqual(callbackMachine());
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines!.map((m) => m.name)).toEqual(['Callback', 'Other']);
    await expect(
      client.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('Nope') })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});
