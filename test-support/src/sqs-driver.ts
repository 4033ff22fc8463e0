/**
 * Plays the Lambda SQS event source mapping against a real SQS API (moto): several
 * pollers (the mapping's concurrency) each ReceiveMessage a batch, invoke the real
 * handler with a Lambda-shaped SQS event and context, delete what succeeded, and leave
 * the failures (partial batch response, or a thrown handler = the whole batch) to
 * become visible again after the visibility timeout, exactly as Lambda does. Redrive
 * to a DLQ after maxReceiveCount is the queue's own (moto's) behaviour.
 *
 *   const stats = await drainQueue({ queueUrl, handler, concurrency: 5 });
 *
 * `handler` may be one function (shared) or a factory called once per poller, so each
 * poller can be its own "container" (its own module instance, its own DB pool).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toSqsRecord } from './sns-sqs';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface DriverOptions {
  queueUrl: string;
  /** One handler for all pollers, or a factory called once per poller (index 0..concurrency-1). */
  handler: SqsHandler | { perPoller: (index: number) => SqsHandler | Promise<SqsHandler> };
  /** Concurrent pollers = concurrent invocations (the mapping's maximumConcurrency). */
  concurrency?: number;
  batchSize?: number;
  /**
   * The mapping's MaximumBatchingWindowInSeconds, in ms: after the first message, keep
   * gathering until the batch is full or the window has passed (default 0: one receive).
   */
  batchWindowMs?: number;
  /**
   * The clock the batching window is measured on (default `Date.now`). A test that must
   * know which messages share a batch moves its own clock past the window when it is
   * ready, instead of racing the wall clock with sends that a loaded machine slows down.
   */
  now?: () => number;
  /** Per receive; defaults to the queue's own visibility timeout. */
  visibilityTimeoutSeconds?: number;
  /** The simulated function timeout, seen through context.getRemainingTimeInMillis(). */
  functionTimeoutMs?: number;
  /** Stop when this says so (checked whenever a poller finds the queue empty); default: queue drained. */
  until?: () => Promise<boolean>;
  /** Safety net only: a run that has not finished by then fails with its stats. */
  deadlineMs?: number;
  /**
   * Long poll of an empty queue, in seconds (default 1, so `until` is checked every
   * second). A poller that runs until stopped uses 20, as Lambda's pollers do: an idle
   * queue costs one request per poller every 20 s, and `stop()` aborts the waiting poll.
   */
  waitTimeSeconds?: number;
  client?: SQSClient;
  /** Called after every invocation (tests use it to inject outages at a known point). */
  afterInvoke?: (stats: DriverStats) => void | Promise<void>;
}

export interface DriverStats {
  invocations: number;
  received: number;
  succeeded: number;
  failed: number;
  /** Invocations that threw (Lambda then retries the whole batch). */
  handlerErrors: number;
  inFlight: number;
  maxInFlight: number;
  lastError?: string;
}

export interface DriverRun {
  stats: DriverStats;
  /** Resolves when the stop condition holds (or rejects at the deadline). */
  done: Promise<DriverStats>;
  stop(): Promise<DriverStats>;
}

let requestCounter = 0;

function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const id = `req-${process.pid}-${++requestCounter}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sqs-driver',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sqs-driver',
    memoryLimitInMB: '256',
    awsRequestId: id,
    logGroupName: '/aws/lambda/sqs-driver',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function queueDepth(
  client: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export function startPollers(opts: DriverOptions): DriverRun {
  const client = opts.client ?? new SQSClient({});
  const concurrency = opts.concurrency ?? 1;
  const batchSize = opts.batchSize ?? 10;
  const stats: DriverStats = {
    invocations: 0,
    received: 0,
    succeeded: 0,
    failed: 0,
    handlerErrors: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  let stopped = false;
  const abort = new AbortController();
  const isDone =
    opts.until ??
    (async () => {
      const d = await queueDepth(client, opts.queueUrl);
      return d.visible + d.inFlight + d.delayed === 0 && stats.inFlight === 0;
    });

  const poll = async (index: number) => {
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = attrs.Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:123456789012:unknown';
    const h = typeof opts.handler === 'function' ? opts.handler : await opts.handler.perPoller(index);
    while (!stopped) {
      let out;
      try {
        out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: opts.queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize),
            WaitTimeSeconds: opts.waitTimeSeconds ?? 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            ...(opts.visibilityTimeoutSeconds !== undefined
              ? { VisibilityTimeout: opts.visibilityTimeoutSeconds }
              : {}),
          }),
          { abortSignal: abort.signal },
        );
      } catch (error) {
        if (abort.signal.aborted) break;
        throw error;
      }
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        if (await isDone()) stopped = true;
        continue;
      }
      const now = opts.now ?? Date.now;
      const windowEnds = now() + (opts.batchWindowMs ?? 0);
      while (messages.length < batchSize && now() < windowEnds && !stopped) {
        const more = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: opts.queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
            WaitTimeSeconds: Math.min(1, Math.ceil((windowEnds - now()) / 1000)),
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            ...(opts.visibilityTimeoutSeconds !== undefined
              ? { VisibilityTimeout: opts.visibilityTimeoutSeconds }
              : {}),
          }),
        );
        for (const m of more.Messages ?? []) {
          // A message seen again (its visibility ran out while gathering) keeps one place,
          // with the newest receipt handle (the only one that can delete it).
          const at = messages.findIndex((x) => x.MessageId === m.MessageId);
          if (at >= 0) messages[at] = m;
          else messages.push(m);
        }
      }
      stats.received += messages.length;
      stats.invocations++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const records = messages.map((m) => toSqsRecord(m, queueArn));
      let failedIds: Set<string>;
      try {
        const response = await h({ Records: records }, lambdaContext(opts.functionTimeoutMs ?? 15_000));
        failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        stats.handlerErrors++;
        stats.lastError = (error as Error).message;
        failedIds = new Set(records.map((r) => r.messageId));
      } finally {
        stats.inFlight--;
      }
      const ok = records.filter((r) => !failedIds.has(r.messageId));
      stats.succeeded += ok.length;
      stats.failed += records.length - ok.length;
      if (ok.length) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: opts.queueUrl,
            Entries: ok.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      await opts.afterInvoke?.(stats);
    }
  };

  const deadlineMs = opts.deadlineMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stopped = true;
      reject(new Error(`sqs-driver: not done after ${deadlineMs} ms: ${JSON.stringify(stats)}`));
    }, deadlineMs);
  });
  const pollers = Promise.all(Array.from({ length: concurrency }, (_, i) => poll(i))).then(() => stats);
  const done = Promise.race([pollers, deadline]).finally(() => clearTimeout(timer));
  return {
    stats,
    done,
    stop: async () => {
      stopped = true;
      abort.abort();
      await pollers.catch(() => undefined);
      return stats;
    },
  };
}

/** Runs the pollers until the queue is drained (or `until` holds). */
export function drainQueue(opts: DriverOptions): Promise<DriverStats> {
  return startPollers(opts).done;
}
