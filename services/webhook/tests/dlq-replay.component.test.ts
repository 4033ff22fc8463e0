/**
 * P26: DLQ replay against real queues (moto), the real writer and Postgres. Covers a
 * message whose cause was fixed (the schema had not been migrated), one that is still
 * poison, one that had already succeeded (a no-op), a dry run, discovery of the source
 * queue, the CLI itself, and --reinvoke for a Lambda on-failure destination (a real
 * Invoke API endpoint runs the function again).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '@order-platform/test-support/engines';
import { repoRoot } from '@order-platform/test-support/template';
import { startLambdaInvokeServer } from '@order-platform/test-support/lambda-invoke-server';
import { drainQueue } from '@order-platform/test-support/sqs-driver';
import { reinvokeFailures, replayDlq } from '../../../tooling/dlq/replay';
import { runMigrations } from '../src/adapters/migrations';
import {
  NO_BILLING_TOPIC,
  WRITER,
  createQueuePair,
  depth,
  drainMessages,
  events,
  loadContainer,
  providerEvent,
  query,
  sqs,
  uid,
  type Container,
  type QueueHandler,
} from './helpers';

const message = (event = providerEvent()) =>
  JSON.stringify({
    kind: 'provider.webhook',
    correlationId: `c-${event.id}`,
    receivedAt: new Date().toISOString(),
    event,
  });

describe('npm run dlq:replay', () => {
  const containers: Container<unknown>[] = [];
  afterAll(async () => {
    await Promise.all(containers.map((c) => c.close()));
  });

  it('replays fixed messages, returns poison to the DLQ at once, and a message that already succeeded changes nothing', async () => {
    // Prepare: the writer is deployed before the migration ran (the "bug")
    const id = uid();
    const databaseUrl = await createDatabase(inject('postgresUrl'), `replay_${id}`);
    const queues = await createQueuePair(`replay-${id}`, { visibilityTimeout: 1, maxReceiveCount: 5 });
    const busName = `replay-bus-${id}`;
    await events.send(new CreateEventBusCommand({ Name: busName }));
    const writer = await loadContainer<QueueHandler>(WRITER, {
      DATABASE_URL: databaseUrl,
      PAYMENTS_QUEUE_URL: queues.queueUrl,
      PAYMENTS_DLQ_URL: queues.dlqUrl,
      EVENT_BUS_NAME: busName,
      // These webhooks echo no customer: no billing record is ever published.
      BILLING_TOPIC_ARN: NO_BILLING_TOPIC,
    });
    containers.push(writer as Container<unknown>);
    const drain = () =>
      drainQueue({ queueUrl: queues.queueUrl, handler: writer.handler, deadlineMs: 40_000 });

    // A valid message fails temporarily (no table) on every delivery until SQS redrives it
    const blocked = providerEvent();
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: message(blocked) }));
    const blockedRun = await drain();
    expect(blockedRun.failed).toBe(5);
    expect(await depth(queues.dlqUrl)).toBe(1);

    // The fix: migrate. Then a message succeeds normally...
    await runMigrations(databaseUrl);
    const succeeded = providerEvent();
    const succeededBody = message(succeeded);
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: succeededBody }));
    await drain();
    // ...and a copy of it lands in the DLQ anyway (say a timed-out attempt had committed), next to a poison message
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqUrl, MessageBody: succeededBody }));
    const poison = JSON.stringify({ kind: 'refund.requested', orderId: 'not-an-order' });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.dlqUrl,
        MessageBody: poison,
        MessageAttributes: { 'failure.reason': { DataType: 'String', StringValue: 'Not a ledger message' } },
      }),
    );
    const ledgerBefore = await query(
      databaseUrl,
      'SELECT entry_id FROM payments.ledger_entries ORDER BY entry_id',
    );
    const outboxBefore = await query(databaseUrl, 'SELECT id FROM payments.outbox');
    expect(ledgerBefore).toEqual([{ entry_id: succeeded.id }]);

    // Act 1: a dry run moves nothing
    const dry = await replayDlq(sqs, { queue: `replay-${id}-dlq`, dryRun: true });
    expect(dry).toMatchObject({
      moved: 3,
      failed: 0,
      dryRun: true,
      discoveredBy: 'dlq-redrive-sources',
      sourceUrl: queues.queueUrl,
    });
    expect(await depth(queues.dlqUrl)).toBe(3);
    expect(await depth(queues.queueUrl)).toBe(0);

    // Act 2: replay for real (source found from the DLQ's redrive sources), then the writer runs
    const result = await replayDlq(sqs, { queue: `replay-${id}-dlq` });
    expect(result).toMatchObject({ moved: 3, failed: 0, dryRun: false });
    expect(await depth(queues.dlqUrl)).toBe(0);
    await drain();

    // Assess: the fixed message is written, the already-written one changed nothing,
    // the poison is back in the DLQ (sent there at once, not after 5 deliveries)
    const ledgerAfter = await query<{ entry_id: string }>(
      databaseUrl,
      'SELECT entry_id FROM payments.ledger_entries',
    );
    expect(new Set(ledgerAfter.map((r) => r.entry_id))).toEqual(new Set([succeeded.id, blocked.id]));
    const outboxAfter = await query(databaseUrl, 'SELECT id FROM payments.outbox');
    expect(outboxAfter).toHaveLength(outboxBefore.length + 1);
    const dead = await drainMessages(queues.dlqUrl);
    expect(dead.map((m) => m.Body)).toEqual([poison]);
    expect(dead[0]!.MessageAttributes?.['failure.reason']?.StringValue).toMatch(/Not a ledger message/);
  });

  it('finds the DLQ from a source queue, honours --to and --max, and the CLI prints a count', async () => {
    const id = uid();
    const queues = await createQueuePair(`cli-${id}`);
    const other = await createQueuePair(`cli-other-${id}`);
    for (let i = 0; i < 4; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqUrl, MessageBody: message() }));

    const viaSource = await replayDlq(sqs, { queue: `cli-${id}`, dryRun: true });
    expect(viaSource).toMatchObject({
      dlqUrl: queues.dlqUrl,
      sourceUrl: queues.queueUrl,
      discoveredBy: 'source-redrive-policy',
      moved: 4,
    });

    const capped = await replayDlq(sqs, { queue: queues.dlqUrl, to: other.queueUrl, max: 3 });
    expect(capped).toMatchObject({ moved: 3, discoveredBy: 'explicit' });
    expect(await depth(other.queueUrl)).toBe(3);
    expect(await depth(queues.dlqUrl)).toBe(1);

    const run = promisify(execFile);
    const cli = (args: string[]) =>
      run(
        process.execPath,
        [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'scripts/dlq-replay.ts'), ...args],
        {
          env: { ...process.env },
          cwd: repoRoot,
        },
      );
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/Usage: npm run dlq:replay/);
    const dry = await cli([`cli-${id}-dlq`, '--dry-run']);
    expect(dry.stdout).toMatch(/\[dry run\] would move 1 message/);
    const real = await cli([queues.dlqUrl]);
    expect(real.stdout).toMatch(/moved 1 message/);
    expect(await depth(queues.queueUrl)).toBe(1);
    await expect(cli(['--max', 'lots'])).rejects.toMatchObject({ code: 2 });
  });

  it('--reinvoke: each on-failure record runs its function again with the original event; anything else stays', async () => {
    // Prepare: a fulfilment task's on-failure queue with two invocation records and a stray message
    const id = uid();
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `failures-${id}` }))).QueueUrl!;
    const lambdaApi = await startLambdaInvokeServer();
    const fn = `op-fulfilment-local-fulfilPhysical-${id}`;
    const got: unknown[] = [];
    lambdaApi.register(fn, (event) => void got.push(event));
    const record = (orderId: string) =>
      JSON.stringify({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId: `r-${orderId}`,
          functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 2,
        },
        requestPayload: { data: { orderId, lineNo: 1 } },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'CarrierRefusedError', errorMessage: 'refused' },
      });
    for (const body of [record('ord_1'), record('ord_2'), 'not a record'])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const lambda = new LambdaClient({
      endpoint: lambdaApi.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      // Act 1: a dry run invokes nothing and leaves every message
      const dry = await reinvokeFailures(sqs, lambda, { queue: `failures-${id}`, dryRun: true });
      expect(dry).toMatchObject({ reinvoked: 2, dryRun: true });
      expect(lambdaApi.invocations).toHaveLength(0);
      expect(await depth(queueUrl)).toBe(3);

      // Act 2: for real
      const done = await reinvokeFailures(sqs, lambda, { queue: queueUrl });
      await lambdaApi.drain();

      // Assess: each function got its original event, asynchronously; the stray message stayed
      expect(done).toMatchObject({ reinvoked: 2, left: 1, dryRun: false });
      expect(got).toEqual(
        expect.arrayContaining([
          { data: { orderId: 'ord_1', lineNo: 1 } },
          { data: { orderId: 'ord_2', lineNo: 1 } },
        ]),
      );
      expect(lambdaApi.invocations.map((i) => i.invocationType)).toEqual(['Event', 'Event']);
      expect((await drainMessages(queueUrl)).map((m) => m.Body)).toEqual(['not a record']);

      // The CLI, with the Lambda endpoint from the environment
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: record('ord_3') }));
      const out = await promisify(execFile)(
        process.execPath,
        [
          join(repoRoot, 'node_modules/tsx/dist/cli.mjs'),
          join(repoRoot, 'scripts/dlq-replay.ts'),
          queueUrl,
          '--reinvoke',
        ],
        { env: { ...process.env, AWS_ENDPOINT_URL_LAMBDA: lambdaApi.url }, cwd: repoRoot },
      );
      expect(out.stdout).toMatch(/invoked 1 again/);
      await lambdaApi.drain();
      expect(got).toContainEqual({ data: { orderId: 'ord_3', lineNo: 1 } });
      expect(await depth(queueUrl)).toBe(0);
    } finally {
      lambda.destroy();
      await lambdaApi.stop();
    }
  });
});
