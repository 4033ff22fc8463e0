/**
 * The IAM gateway: one HTTP endpoint every function's AWS SDK reaches instead of the
 * engines (AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_* all point here). For
 * each request it reads the caller from the SigV4 credential (each function signs with
 * its own access key, see identities.ts), asks actions.ts what IAM would check, evaluates
 * the caller's role (policy.ts) and either answers the service's own AccessDenied
 * (errors.ts) or forwards the request unchanged (method, path, raw headers, body bytes:
 * the signature stays valid) to the upstream for the service it was signed for: the
 * DynamoDB gate, the local Lambda Invoke API, the local Step Functions API, else moto.
 *
 * Keys in `adminKeys` (the runner's own) pass unchecked; an unsigned request too (nothing
 * to attribute it to); a signed request with an unknown key is refused, as AWS refuses it.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallStats } from '../call-stats';
import type { LogSink } from '../types';
import {
  checksFor,
  operationOf,
  protocolOf,
  signatureOf,
  type Check,
  type RawRequest,
  type RequestContext,
} from './actions';
import { deniedMessage, errorReply, serviceFaultReply } from './errors';
import { DecisionCache, evaluateAll, principalArnOf, type PolicyDocument, type RoleIdentity } from './policy';

export interface IamGatewayOptions {
  /** Upstream base URL by SigV4 service name; `default` for the rest (moto). */
  upstreams: Record<string, string> & { default: string };
  /** The functions' credentials: access key id -> role. */
  identities: ReadonlyMap<string, RoleIdentity>;
  /** Access keys that are not checked (the runner's own clients). */
  adminKeys?: ReadonlySet<string>;
  context: RequestContext;
  /** The clock presigned URLs are judged by (tests inject one). */
  now?: () => Date;
  /** A resource's own policy evaluated beside the caller's role (SNS topic policies). */
  resourcePolicyOf?: (resourceArn: string) => PolicyDocument | undefined;
  log: LogSink;
  /** Counts each request by caller (the function, state machine or API role) and operation. */
  calls?: CallStats;
  /** Injected AWS-side failures (local/src/faults): asked before an allowed call is forwarded. */
  faults?: {
    forAwsCall(service: string, operation: string, fn: string): 'unavailable' | 'throttled' | undefined;
  };
}

export interface Denial {
  functionName: string;
  roleName: string;
  check: Check;
  reason: string;
  at: Date;
}

export interface IamGateway {
  url: string;
  /** Every denial so far (oldest first). */
  denials: Denial[];
  /** Requests checked and allowed, denied, and forwarded unchecked (admin, unsigned, unmapped). */
  stats: { allowed: number; denied: number; unchecked: number };
  stop(): Promise<void>;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const UNKNOWN_KEY_CODES: Record<string, string> = {
  json: 'UnrecognizedClientException',
  sqs: 'InvalidClientTokenId',
  query: 'InvalidClientTokenId',
  'rest-json': 'UnrecognizedClientException',
  'rest-xml': 'InvalidAccessKeyId',
};

export async function startIamGateway(opts: IamGatewayOptions): Promise<IamGateway> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const denials: Denial[] = [];
  const stats = { allowed: 0, denied: 0, unchecked: 0 };
  const unchecked = new Set<string>();
  const admin = opts.adminKeys ?? new Set<string>();
  const decisions = new DecisionCache();

  const forward = (req: IncomingMessage, body: Buffer, upstream: string, res: ServerResponse) => {
    const target = new URL(upstream);
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.rawHeaders,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
        up.pipe(res);
      },
    );
    out.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`IAM gateway: upstream ${upstream} failed: ${e.message}`);
    });
    out.end(body);
  };

  const reply = (
    res: ServerResponse,
    r: { status: number; headers: Record<string, string>; body: string },
  ) => {
    res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
    res.end(r.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const raw: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const sig = signatureOf(raw);
    const upstream = (sig && opts.upstreams[sig.service]) ?? opts.upstreams.default;
    if (!sig || admin.has(sig.accessKeyId)) {
      stats.unchecked++;
      if (sig) opts.calls?.add('runner', operationOf(sig.service, raw));
      return forward(req, body, upstream, res);
    }
    const protocol = protocolOf(sig.service, raw);
    // A presigned URL (SigV4 in the query) stops working X-Amz-Expires seconds after
    // X-Amz-Date, as AWS enforces it; moto_server does not check it (see local/README.md).
    const expired = presignedUrlExpired(raw.url, opts.now?.() ?? new Date());
    if (expired) {
      opts.log.line('iam', `refused an expired presigned ${sig.service} URL (${expired})`);
      return reply(res, errorReply(sig.service, protocol, 'Request has expired', 'AccessDenied'));
    }
    const identity = opts.identities.get(sig.accessKeyId);
    if (!identity) {
      opts.log.line(
        'iam',
        `refused a ${sig.service} request signed with an unknown access key ${sig.accessKeyId}`,
      );
      return reply(
        res,
        errorReply(
          sig.service,
          protocol,
          'The security token included in the request is invalid.',
          UNKNOWN_KEY_CODES[protocol],
        ),
      );
    }
    const checks = checksFor(sig.service, raw, opts.context);
    const operation = operationOf(sig.service, raw, checks);
    opts.calls?.add(identity.functionName, operation);
    // AWS failing on its side, when a fault profile says so: what the function's SDK sees.
    const forwardOrFail = () => {
      const fault = opts.faults?.forAwsCall(
        sig.service,
        operation.slice(sig.service.length + 1),
        identity.functionName,
      );
      if (fault) return reply(res, serviceFaultReply(sig.service, protocol, fault));
      forward(req, body, upstream, res);
    };
    if (!checks) {
      if (!unchecked.has(sig.service)) {
        unchecked.add(sig.service);
        opts.log.line(
          'iam',
          `${sig.service} requests are forwarded unchecked (the gateway does not map this service)`,
        );
      }
      return forwardOrFail();
    }
    const denied = await evaluateAll(
      opts.context.account,
      opts.context.region,
      identity,
      checks,
      opts.resourcePolicyOf,
      decisions,
    );
    if (!denied) {
      stats.allowed++;
      return forwardOrFail();
    }
    stats.denied++;
    denials.push({
      functionName: identity.functionName,
      roleName: identity.roleName,
      check: denied.check,
      reason: denied.reason,
      at: new Date(),
    });
    opts.log.line(
      'iam',
      `DENIED ${identity.functionName}: ${denied.check.action} on ${denied.check.resource}: ${denied.reason} (role ${identity.roleName})`,
    );
    const principal = principalArnOf(opts.context.account, identity);
    reply(
      res,
      errorReply(
        sig.service,
        protocol,
        deniedMessage(principal, denied.check, denied.outcome === 'ExplicitlyDenied'),
      ),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      opts.log.line('iam', `gateway error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  // Invocations through the gateway last as long as the function (up to its timeout).
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    denials,
    stats,
    async stop() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/**
 * For a query-signed request (a presigned URL): why it has expired, or undefined while it
 * is valid (or when it is not presigned). X-Amz-Date is `YYYYMMDDTHHMMSSZ`.
 */
export function presignedUrlExpired(url: string, now: Date): string | undefined {
  const q = new URL(url, 'http://x').searchParams;
  const date = q.get('X-Amz-Date');
  const expires = q.get('X-Amz-Expires');
  if (!date || !expires) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) return `malformed X-Amz-Date ${date}`;
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const until = signedAt + Number(expires) * 1000;
  return now.getTime() > until ? `expired at ${new Date(until).toISOString()}` : undefined;
}
