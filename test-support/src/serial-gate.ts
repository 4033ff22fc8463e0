/**
 * A serializing HTTP gate in front of moto: requests that could interfere reach the engine
 * one at a time, the others run side by side.
 *
 * Why: moto applies TransactWriteItems (and conditional writes) without isolation from
 * other in-flight requests: it snapshots the tables a transaction names when it starts and
 * restores them when the transaction is cancelled, so a cancelled transaction running in
 * parallel with a committed write can silently undo it, and two concurrent UpdateItem
 * calls on one item can lose one. Real DynamoDB serializes conflicting transactions (or
 * cancels one with TransactionConflict, which the adapters retry). Routing DynamoDB
 * traffic through this gate gives moto the same isolation; the callers stay fully
 * concurrent (20 reserves in flight at once).
 *
 * What may overlap (DynamoDB's JSON protocol names its tables in the body): reads of any
 * tables; writes on different tables. A write (PutItem, UpdateItem, DeleteItem,
 * BatchWriteItem, TransactWriteItems) holds its tables alone, so it never overlaps a read
 * or a write of the same table, which is what DynamoDB's serializable isolation between
 * transactions, writes and GetItem promises. Anything else (another protocol, a control-
 * plane call, a body that cannot be read) holds the whole engine alone: SQS through a gate
 * stays one request at a time, which keeps FIFO receives atomic (two concurrent
 * ReceiveMessage calls in moto can both take messages of one group; real SQS never hands
 * out a group's next message while an earlier one is in flight).
 *
 * Grants are first come, first served: a request starts when it conflicts with nothing
 * running and with nothing that arrived before it and still waits, so a stream of reads
 * cannot starve a write.
 *
 * Use: `process.env.AWS_ENDPOINT_URL_DYNAMODB = (await startSerialGate(motoUrl)).url`
 * (and `AWS_ENDPOINT_URL_SQS` with a second gate) before any client is built.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SerialGate {
  url: string;
  stop(): Promise<void>;
}

/** What a request holds while it runs: some tables (shared or alone), or the whole engine. */
export interface Claim {
  /** Table names; `'*'` is every table (and everything that is not a table). */
  tables: ReadonlySet<string> | '*';
  exclusive: boolean;
}

const EVERYTHING: Claim = { tables: '*', exclusive: true };

const READS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'DescribeTable',
  'DescribeTimeToLive',
]);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

function tablesOf(operation: string, body: Record<string, unknown>): Set<string> | undefined {
  const names = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name !== 'string' || name === '') throw new Error('no table');
    names.add(name);
  };
  try {
    if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      const items = body.RequestItems;
      if (!items || typeof items !== 'object') return undefined;
      for (const name of Object.keys(items)) add(name);
    } else if (operation === 'TransactGetItems' || operation === 'TransactWriteItems') {
      const items = body.TransactItems;
      if (!Array.isArray(items)) return undefined;
      for (const item of items as Record<string, { TableName?: unknown }>[])
        for (const op of Object.values(item)) add(op?.TableName);
    } else add(body.TableName);
  } catch {
    return undefined;
  }
  return names.size > 0 ? names : undefined;
}

/**
 * The claim of one request, from its `X-Amz-Target` header and body. Only DynamoDB's data
 * plane is told apart; everything else holds the engine alone.
 */
export function claimOf(target: string | undefined, payload: Buffer): Claim {
  const m = /^DynamoDB_20120810\.(\w+)$/.exec(target ?? '');
  const operation = m?.[1];
  if (!operation || (!READS.has(operation) && !WRITES.has(operation))) return EVERYTHING;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return EVERYTHING;
  }
  if (!body || typeof body !== 'object') return EVERYTHING;
  const tables = tablesOf(operation, body as Record<string, unknown>);
  if (!tables) return EVERYTHING;
  return { tables, exclusive: WRITES.has(operation) };
}

export function conflicts(a: Claim, b: Claim): boolean {
  if (!a.exclusive && !b.exclusive) return false;
  if (a.tables === '*' || b.tables === '*') return true;
  for (const t of a.tables) if (b.tables.has(t)) return true;
  return false;
}

/** First come, first served admission of claims that conflict; the rest run together. */
export class Admission {
  private readonly running = new Set<Claim>();
  private readonly waiting: { claim: Claim; start: () => void }[] = [];

  /** Resolves when the claim may run; call the returned function when it is done. */
  enter(claim: Claim): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push({
        claim,
        start: () =>
          resolve(() => {
            this.running.delete(claim);
            this.pump();
          }),
      });
      this.pump();
    });
  }

  get inFlight(): number {
    return this.running.size;
  }

  private pump(): void {
    const passed: Claim[] = [];
    for (let i = 0; i < this.waiting.length;) {
      const { claim, start } = this.waiting[i]!;
      const blocked =
        [...this.running].some((r) => conflicts(r, claim)) || passed.some((p) => conflicts(p, claim));
      if (blocked) {
        passed.push(claim);
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running.add(claim);
      start();
    }
  }
}

async function body(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startSerialGate(targetUrl: string): Promise<SerialGate> {
  const target = new URL(targetUrl);
  const admission = new Admission();
  const forward = (req: IncomingMessage, payload: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; payload: Buffer }>(
      (resolve, reject) => {
        const out = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, 'content-length': String(payload.length) },
          },
          (res) => {
            body(res).then(
              (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, payload: b }),
              reject,
            );
          },
        );
        out.on('error', reject);
        out.end(payload);
      },
    );
  const server = createServer((req, res) => {
    void body(req).then(async (payload) => {
      const targetHeader = req.headers['x-amz-target'];
      const leave = await admission.enter(
        claimOf(Array.isArray(targetHeader) ? targetHeader[0] : targetHeader, payload),
      );
      forward(req, payload)
        .finally(leave)
        .then(
          ({ status, headers, payload: b }) => {
            const { 'transfer-encoding': _te, connection: _c, ...rest } = headers;
            res.writeHead(status, { ...rest, 'content-length': String(b.length) });
            res.end(b);
          },
          (error: unknown) => {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(String(error));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
