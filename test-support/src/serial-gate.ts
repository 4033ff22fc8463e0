/**
 * A one-request-at-a-time HTTP gate in front of moto (DynamoDB, SQS).
 *
 * Why: moto applies TransactWriteItems (and conditional writes) without isolation from
 * other in-flight requests: it snapshots the whole table when a transaction starts and
 * restores that snapshot when the transaction is cancelled, so a cancelled transaction
 * running in parallel with a committed one can silently undo it. Real DynamoDB
 * serializes conflicting transactions (or cancels one with TransactionConflict, which the
 * adapters retry). Routing the tests' DynamoDB traffic through this gate gives moto the
 * same isolation; the callers stay fully concurrent (20 reserves in flight at once), only
 * the engine sees one request at a time.
 *
 * The same holds for SQS FIFO: two concurrent ReceiveMessage calls each check which
 * message groups are in flight before either marks its messages, so both can take
 * messages of the same group (real SQS never hands out a group's next message while an
 * earlier one is in flight). Through a gate, receives are atomic again while the pollers
 * and their handlers still run concurrently.
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

async function body(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startSerialGate(targetUrl: string): Promise<SerialGate> {
  const target = new URL(targetUrl);
  let queue: Promise<unknown> = Promise.resolve();
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
    void body(req).then((payload) => {
      const turn = queue.then(() => forward(req, payload));
      queue = turn.catch(() => undefined);
      turn.then(
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
