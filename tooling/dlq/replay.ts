/**
 * DLQ replay (P26): moves messages from a dead-letter queue back to its source queue,
 * in batches of 10: send to the source, then delete from the DLQ.
 *
 * - At-least-once: a crash between the send and the delete leaves the message in the
 *   DLQ (visible again after the visibility timeout) as well as in the source, so a
 *   later replay may send it twice. Consumers are idempotent (the webhook writer keys
 *   on the provider event id), so a replayed message that already succeeded is a no-op.
 * - Bounded: one run moves at most the number of messages the DLQ held when it started
 *   (or --max). A message that is still poison goes straight back to the DLQ and is not
 *   picked up again in the same run.
 * - The source is found from the DLQ (ListDeadLetterSourceQueues; exactly one), from a
 *   source queue's own RedrivePolicy when the queue given is the source, from the DLQ's
 *   RedriveAllowPolicy, or given explicitly (--to).
 * - The failure.* attributes a consumer added when it dead-lettered a message (the one
 *   format, shared/src/consumers/dlq-format.ts) are dropped, and so are the names used
 *   before it; the original body and attributes go back unchanged. FIFO sources keep
 *   the group id.
 *
 * AWS also offers StartMessageMoveTask (the console's "DLQ redrive"); this tool does the
 * same with plain Send/Delete, so it runs against any SQS API (moto, LocalStack) and can
 * dry-run and cap a move.
 *
 * `--reinvoke`: a Lambda on-failure destination holds invocation records, not messages of
 * a source queue (`requestContext.functionArn`, the original event as `requestPayload`).
 * Each record's function is invoked again, asynchronously, with that payload (its own
 * retries and destination apply again), then the record is deleted. A message that is not
 * an invocation record is left where it is. The functions are idempotent (the fulfilment
 * tasks claim their line), so re-invoking a command that had succeeded changes nothing.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { originalAttributes } from '@order-platform/shared/consumers/dlq-format';

export interface ReplayOptions {
  /** The DLQ (or its source queue): name, URL or ARN. */
  queue: string;
  /** Explicit source queue (name, URL or ARN). */
  to?: string;
  dryRun?: boolean;
  max?: number;
  /** How long received messages stay hidden while being moved. */
  visibilityTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface ReplayResult {
  dlqUrl: string;
  sourceUrl: string;
  discoveredBy: 'explicit' | 'dlq-redrive-sources' | 'source-redrive-policy' | 'dlq-redrive-allow-policy';
  /** Messages moved (or, on a dry run, that would be). */
  moved: number;
  failed: number;
  dryRun: boolean;
}

async function queueUrl(client: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  if (queue.startsWith('arn:')) {
    const [, , , , account, name] = queue.split(':');
    return (await client.send(new GetQueueUrlCommand({ QueueName: name!, QueueOwnerAWSAccountId: account })))
      .QueueUrl!;
  }
  return (await client.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
}

async function attributes(client: SQSClient, url: string): Promise<Record<string, string>> {
  return (
    (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
      .Attributes ?? {}
  );
}

export async function resolveQueues(
  client: SQSClient,
  queue: string,
  to?: string,
): Promise<Pick<ReplayResult, 'dlqUrl' | 'sourceUrl' | 'discoveredBy'>> {
  const url = await queueUrl(client, queue);
  if (to) return { dlqUrl: url, sourceUrl: await queueUrl(client, to), discoveredBy: 'explicit' };
  const attrs = await attributes(client, url);
  if (attrs.RedrivePolicy) {
    const target = (JSON.parse(attrs.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
    return { dlqUrl: await queueUrl(client, target), sourceUrl: url, discoveredBy: 'source-redrive-policy' };
  }
  const sources =
    (await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: url }))).queueUrls ?? [];
  if (sources.length === 1)
    return { dlqUrl: url, sourceUrl: sources[0]!, discoveredBy: 'dlq-redrive-sources' };
  if (sources.length > 1) {
    throw new Error(
      `${url} is the DLQ of ${sources.length} queues (${sources.join(', ')}): choose one with --to`,
    );
  }
  if (attrs.RedriveAllowPolicy) {
    const allow = JSON.parse(attrs.RedriveAllowPolicy) as {
      redrivePermission?: string;
      sourceQueueArns?: string[];
    };
    if (allow.redrivePermission === 'byQueue' && allow.sourceQueueArns?.length === 1) {
      return {
        dlqUrl: url,
        sourceUrl: await queueUrl(client, allow.sourceQueueArns[0]!),
        discoveredBy: 'dlq-redrive-allow-policy',
      };
    }
  }
  throw new Error(
    `Cannot tell which queue ${url} is the DLQ of: no queue names it in its RedrivePolicy. Pass --to <source>, or --reinvoke if it is a Lambda on-failure destination`,
  );
}

/** What a run takes on: the messages waiting when it starts, at most `max` of them. */
async function bound(client: SQSClient, url: string, max?: number) {
  const depth = Number((await attributes(client, url)).ApproximateNumberOfMessages ?? 0);
  return { depth, limit: Math.min(max ?? Infinity, depth) };
}

/** Receives up to `limit` messages, at most 10 at a time, each hidden while it is handled. */
async function* batchesOf(
  client: SQSClient,
  url: string,
  limit: number,
  visibilityTimeoutSeconds = 60,
): AsyncGenerator<Message[]> {
  let seen = 0;
  while (seen < limit) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, limit - seen),
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilityTimeoutSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return;
    seen += messages.length;
    yield messages;
  }
}

/** The message to send back to the source: the DLQ message without the failure attributes. */
export function replayEntry(m: Message, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  const attrs = originalAttributes(m.MessageAttributes);
  return {
    Id: String(index),
    MessageBody: m.Body ?? '',
    ...(Object.keys(attrs).length ? { MessageAttributes: attrs } : {}),
    ...(fifo
      ? {
          MessageGroupId: m.Attributes?.MessageGroupId ?? 'replay',
          MessageDeduplicationId: m.Attributes?.MessageDeduplicationId ?? m.MessageId!,
        }
      : {}),
  };
}

export async function replayDlq(client: SQSClient, opts: ReplayOptions): Promise<ReplayResult> {
  const log = opts.log ?? (() => undefined);
  const { dlqUrl, sourceUrl, discoveredBy } = await resolveQueues(client, opts.queue, opts.to);
  const fifo = sourceUrl.endsWith('.fifo');
  const { depth, limit } = await bound(client, dlqUrl, opts.max);
  const dryRun = opts.dryRun ?? false;
  log(
    `${dryRun ? '[dry run] ' : ''}${dlqUrl} → ${sourceUrl} (source found by ${discoveredBy}); ${depth} message(s) waiting, moving up to ${limit}`,
  );

  let moved = 0;
  let failed = 0;
  const held: string[] = [];
  for await (const messages of batchesOf(client, dlqUrl, limit, opts.visibilityTimeoutSeconds)) {
    if (dryRun) {
      moved += messages.length;
      held.push(...messages.map((m) => m.ReceiptHandle!));
      continue;
    }
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sourceUrl,
        Entries: messages.map((m, i) => replayEntry(m, i, fifo)),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    for (const f of sent.Failed ?? [])
      log(`  not moved: ${messages[Number(f.Id)]?.MessageId} (${f.Code}: ${f.Message ?? ''})`);
    const toDelete = messages
      .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }))
      .filter((e) => ok.has(e.Id));
    if (toDelete.length)
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: toDelete }));
    moved += toDelete.length;
    failed += messages.length - toDelete.length;
  }
  // A dry run hid what it looked at: make it visible again at once.
  await showAgain(client, dlqUrl, held);
  log(
    `${dryRun ? '[dry run] would move' : 'moved'} ${moved} message(s)${failed ? `, ${failed} failed (left in the DLQ)` : ''}`,
  );
  return { dlqUrl, sourceUrl, discoveredBy, moved, failed, dryRun };
}

/** One record of a Lambda asynchronous invocation that failed (an on-failure destination's message). */
export interface InvocationRecord {
  requestContext: { functionArn: string; condition?: string; approximateInvokeCount?: number };
  requestPayload: unknown;
}

/** The invocation record a message carries, or undefined when it carries something else. */
export function invocationRecordOf(body: string | undefined): InvocationRecord | undefined {
  try {
    const r = JSON.parse(body ?? '') as Partial<InvocationRecord> | null;
    const arn = r?.requestContext?.functionArn;
    if (typeof arn !== 'string' || !/^arn:aws[\w-]*:lambda:/.test(arn) || !('requestPayload' in (r ?? {})))
      return undefined;
    return r as InvocationRecord;
  } catch {
    return undefined;
  }
}

export interface ReinvokeResult {
  queueUrl: string;
  /** Records whose function was invoked again (or, on a dry run, would be). */
  reinvoked: number;
  /** Messages left in the queue: not invocation records, or the invoke was refused. */
  left: number;
  dryRun: boolean;
}

/** `--reinvoke`: each invocation record's function is invoked again (Event) with its payload, then deleted. */
export async function reinvokeFailures(
  sqs: SQSClient,
  lambda: LambdaClient,
  opts: Omit<ReplayOptions, 'to'>,
): Promise<ReinvokeResult> {
  const log = opts.log ?? (() => undefined);
  const url = await queueUrl(sqs, opts.queue);
  const { depth, limit } = await bound(sqs, url, opts.max);
  const dryRun = opts.dryRun ?? false;
  log(`${dryRun ? '[dry run] ' : ''}${url}: ${depth} record(s) waiting, invoking again up to ${limit}`);
  let reinvoked = 0;
  const putBack: string[] = [];
  for await (const messages of batchesOf(sqs, url, limit, opts.visibilityTimeoutSeconds)) {
    for (const m of messages) {
      const record = invocationRecordOf(m.Body);
      if (!record) {
        log(`  left: ${m.MessageId} is not a Lambda invocation record`);
        putBack.push(m.ReceiptHandle!);
        continue;
      }
      const fn = record.requestContext.functionArn;
      if (dryRun) {
        log(`  would invoke ${fn} again (${record.requestContext.condition ?? 'failed'})`);
        putBack.push(m.ReceiptHandle!);
        reinvoked++;
        continue;
      }
      try {
        const res = await lambda.send(
          new InvokeCommand({
            FunctionName: fn,
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify(record.requestPayload)),
          }),
        );
        if (res.StatusCode !== 202) throw new Error(`Invoke answered ${res.StatusCode}`);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
        log(`  invoked ${fn} again`);
        reinvoked++;
      } catch (error) {
        log(`  left: ${m.MessageId}: ${(error as Error).message}`);
        putBack.push(m.ReceiptHandle!);
      }
    }
  }
  await showAgain(sqs, url, putBack);
  log(
    `${dryRun ? '[dry run] would invoke' : 'invoked'} ${reinvoked} again${putBack.length && !dryRun ? `, ${putBack.length} left in the queue` : ''}`,
  );
  return { queueUrl: url, reinvoked, left: dryRun ? 0 : putBack.length, dryRun };
}

/** Makes messages this run hid visible again at once. */
async function showAgain(sqs: SQSClient, url: string, receipts: string[]): Promise<void> {
  for (let i = 0; i < receipts.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: receipts
          .slice(i, i + 10)
          .map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
}

export const USAGE = `Usage: npm run dlq:replay -- <queue> [--to <source>] [--dry-run] [--max N]
       npm run dlq:replay -- <on-failure queue> --reinvoke [--dry-run] [--max N]

Moves messages from a dead-letter queue back to its source queue, 10 at a time
(send to the source, then delete from the DLQ). At-least-once: consumers must be
idempotent (the platform's are).

  <queue>          the DLQ, or its source queue: name, URL or ARN
  --to <source>    the queue to move to (default: discovered from the redrive policy)
  --dry-run        count what would move; move nothing
  --max N          move at most N messages (default: what the DLQ holds at the start)
  --reinvoke       the queue is a Lambda on-failure destination: invoke each record's
                   function again (asynchronously) with its original event, then delete
                   the record; anything else is left in the queue
  -h, --help       this text

AWS credentials and region come from the environment (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL for LocalStack or moto; with npm run dev, AWS_ENDPOINT_URL_LAMBDA is
the runner's lambdaUrl from GET <control>/_local/info).`;

export interface CliArgs {
  queue?: string;
  to?: string;
  reinvoke: boolean;
  dryRun: boolean;
  max?: number;
  help: boolean;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const out: CliArgs = { dryRun: false, reinvoke: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg === '--dry-run') out.dryRun = true;
    else if (arg === '--reinvoke') out.reinvoke = true;
    else if (arg === '--to') out.to = argv[++i];
    else if (arg === '--max') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--max needs a positive whole number');
      out.max = n;
    } else if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}`);
    else if (out.queue === undefined) out.queue = arg;
    else throw new Error(`Unexpected argument ${arg}`);
  }
  if (out.to === '') throw new Error('--to needs a queue');
  if (out.reinvoke && out.to !== undefined)
    throw new Error('--reinvoke invokes functions again: it moves nothing, so --to does not apply');
  return out;
}
