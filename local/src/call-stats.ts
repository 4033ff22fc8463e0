/**
 * Counts the AWS API calls that reach the engines, by caller and operation: the runner's
 * own clients (provisioning, event-source pollers, stream readers, shadow queues) through
 * an SDK middleware, the functions, state machines and API integrations at the IAM
 * gateway. Read at `GET /_local/stats`; `npm run bench:load` turns the counts into a
 * per-order call budget.
 */

/** caller -> `service.Operation` -> count */
export type CallCounts = Record<string, Record<string, number>>;

export class CallStats {
  private readonly counts = new Map<string, Map<string, number>>();

  add(caller: string, operation: string): void {
    let ops = this.counts.get(caller);
    if (!ops) this.counts.set(caller, (ops = new Map()));
    ops.set(operation, (ops.get(operation) ?? 0) + 1);
  }

  snapshot(): CallCounts {
    const out: CallCounts = {};
    for (const [caller, ops] of this.counts) out[caller] = Object.fromEntries(ops);
    return out;
  }
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** `DynamoDBStreamsClient` + `GetRecordsCommand` -> `DynamoDBStreams.GetRecords` */
export function operationName(clientName = '?', commandName = '?'): string {
  return `${clientName.replace(/Client$/, '')}.${commandName.replace(/Command$/, '')}`;
}

/** Counts every command the client sends (once per command, not per SDK retry). */
export function countCalls<C extends MiddlewareClient>(client: C, stats: CallStats, caller: string): C {
  client.middlewareStack.add(
    (next, context) => (args) => {
      stats.add(caller, operationName(context.clientName, context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'localCallStats' },
  );
  return client;
}

/** Totals by operation over every caller, or over the callers `include` keeps. */
export function byOperation(counts: CallCounts, include: (caller: string) => boolean = () => true) {
  const out: Record<string, number> = {};
  for (const [caller, ops] of Object.entries(counts)) {
    if (!include(caller)) continue;
    for (const [op, n] of Object.entries(ops)) out[op] = (out[op] ?? 0) + n;
  }
  return out;
}

/** `after - before`, dropping zeroes. */
export function diffCounts(after: CallCounts, before: CallCounts): CallCounts {
  const out: CallCounts = {};
  for (const [caller, ops] of Object.entries(after)) {
    for (const [op, n] of Object.entries(ops)) {
      const d = n - (before[caller]?.[op] ?? 0);
      if (d > 0) (out[caller] ??= {})[op] = d;
    }
  }
  return out;
}
