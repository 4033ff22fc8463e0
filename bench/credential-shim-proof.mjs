// Proof that the Lambda credential shim (the `alias` in serverless.common.yml) keeps a
// real bundle working: builds services/orders get-order and create-order with the shared
// esbuild options, starts its own moto_server on a free loopback port, and invokes the
// bundles in fresh Node processes:
//   1. env credentials (what Lambda and LocalStack's Lambda provide): create -> 201, get -> 200,
//      get of a missing order -> 404 JSON;
//   2. no env credentials, a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI
//      + token) -> 404 JSON, and the endpoint was asked;
//   3. no credentials anywhere, IMDS disabled -> a generic 500, and the log names the shim's error.
// Usage: node bench/credential-shim-proof.mjs   (also run by scripts/bench-bundles.mjs)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildBundle } from './build.mjs';
import { readStack } from './serverless-config.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto() {
  const bin = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (bin.status !== 0)
    throw new Error(
      'moto_server is not installed on this machine. Install it with: pip install "moto[server]"',
    );
  const port = await freePort();
  const child = spawn(bin.stdout.trim(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    const ok = await globalThis.fetch(`${url}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(150);
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { url, pid: child.pid, stop };
}

function invoke({ node, bundle, event, env, serveCreds = false }) {
  const r = spawnSync(node, [join(here, 'invoke-runner.cjs'), bundle, JSON.stringify(event)], {
    env: { ...env, ...(serveCreds ? { BENCH_SERVE_CREDS: '1' } : {}) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  const out = line ? JSON.parse(line.slice(7)) : { error: `no result (exit ${r.status}): ${r.stderr}` };
  return { ...out, log: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const principal = { customerId: 'c-123', role: 'customer' };
const httpEvent = (over) => ({
  resource: '/',
  path: '/',
  httpMethod: 'GET',
  headers: { 'x-correlation-id': 'bench-proof' },
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  requestContext: { requestId: 'bench-proof', authorizer: principal },
  body: null,
  isBase64Encoded: false,
  ...over,
});

/** Returns { ran, ok, checks: [{ name, ok, detail }], bundleBytes, shimInBundle, defaultChainInBundle }. */
export async function proveCredentialShim({ node = process.execPath } = {}) {
  const stack = readStack(root, 'services/orders');
  const fn = (name) => stack.functions.find((f) => f.name === name);
  const getOrder = fn('getOrder');
  const createOrder = fn('createOrder');
  if (!getOrder?.file || !createOrder?.file)
    return { ran: false, ok: false, reason: 'services/orders getOrder/createOrder not found' };
  if (!stack.esbuild.alias?.['@aws-sdk/credential-provider-node']) {
    return {
      ran: false,
      ok: false,
      reason: 'no credential-provider-node alias in the stack esbuild options',
    };
  }

  const dir = mkdtempSync(join(tmpdir(), 'bench-proof-'));
  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });
  let moto;
  try {
    const built = {};
    for (const f of [getOrder, createOrder]) {
      built[f.name] = { outfile: join(dir, `${f.name}.js`) };
      Object.assign(
        built[f.name],
        await buildBundle({
          entry: f.file,
          stackDir: stack.stackDir,
          options: stack.esbuild,
          outfile: built[f.name].outfile,
        }),
      );
    }
    const inputs = built.getOrder.inputs;
    const shimInBundle = inputs.some((i) => i.includes('lambda-shims/credential-provider-node'));
    const defaultChainInBundle = inputs.filter((i) =>
      /@aws-sdk\/(credential-provider-(node|sso|ini|process|web-identity)|nested-clients)\//.test(i),
    ).length;
    check(
      'bundle contains the shim and none of the default chain',
      shimInBundle && defaultChainInBundle === 0,
      `shim: ${shimInBundle}, default-chain inputs: ${defaultChainInBundle}`,
    );

    moto = await startMoto();
    const table = `bench-orders-${Date.now()}`;
    const ddb = new DynamoDBClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['PK', 'SK', 'GSI1PK', 'GSI1SK'].map((AttributeName) => ({
          AttributeName,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'GSI1',
            KeySchema: [
              { AttributeName: 'GSI1PK', KeyType: 'HASH' },
              { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    ddb.destroy();

    const base = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.url,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      TABLE_NAME: table,
      POWERTOOLS_SERVICE_NAME: 'orders',
      POWERTOOLS_METRICS_NAMESPACE: 'OrderPlatform',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const envCreds = {
      ...base,
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
      AWS_SESSION_TOKEN: 'bench-session',
    };
    const missingId = 'ord_01J9Z3F7Q8R6W5V4T3S2R1Q0PA';

    const created = invoke({
      node,
      bundle: built.createOrder.outfile,
      env: envCreds,
      event: httpEvent({
        httpMethod: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${Date.now()}` },
        body: JSON.stringify({ currency: 'EUR', lines: [{ sku: 'BENCH-1', quantity: 2, unitPrice: 1250 }] }),
      }),
    });
    const createdBody = created.result?.body ? JSON.parse(created.result.body) : undefined;
    check(
      'env credentials: createOrder -> 201',
      created.result?.statusCode === 201,
      `status ${created.result?.statusCode ?? created.error}`,
    );

    if (createdBody?.orderId) {
      const got = invoke({
        node,
        bundle: built.getOrder.outfile,
        env: envCreds,
        event: httpEvent({
          path: `/orders/${createdBody.orderId}`,
          pathParameters: { orderId: createdBody.orderId },
        }),
      });
      const body = got.result?.body ? JSON.parse(got.result.body) : {};
      check(
        'env credentials: getOrder (existing) -> 200 with the order',
        got.result?.statusCode === 200 && body.orderId === createdBody.orderId,
        `status ${got.result?.statusCode ?? got.error}`,
      );
    }

    const missing = invoke({
      node,
      bundle: built.getOrder.outfile,
      env: envCreds,
      event: httpEvent({ path: `/orders/${missingId}`, pathParameters: { orderId: missingId } }),
    });
    const missingBody = missing.result?.body ? JSON.parse(missing.result.body) : {};
    check(
      'env credentials: getOrder (missing) -> 404 JSON',
      missing.result?.statusCode === 404 &&
        /json/.test(missing.result?.headers?.['content-type'] ?? '') &&
        missingBody.error?.code,
      `status ${missing.result?.statusCode ?? missing.error}, body ${missing.result?.body}`,
    );

    const container = invoke({
      node,
      bundle: built.getOrder.outfile,
      env: base,
      serveCreds: true,
      event: httpEvent({ path: `/orders/${missingId}`, pathParameters: { orderId: missingId } }),
    });
    check(
      'container endpoint (no env credentials): getOrder -> 404, endpoint asked once (memoized)',
      container.result?.statusCode === 404 && container.credentialRequests === 1,
      `status ${container.result?.statusCode ?? container.error}, credential requests ${container.credentialRequests}`,
    );

    const none = invoke({
      node,
      bundle: built.getOrder.outfile,
      env: { ...base, AWS_EC2_METADATA_DISABLED: 'true' },
      event: httpEvent({ path: `/orders/${missingId}`, pathParameters: { orderId: missingId } }),
    });
    check(
      'no credentials, IMDS disabled: generic 500, log names the shim error',
      none.result?.statusCode === 500 &&
        /metadata is disabled/.test(none.log) &&
        !/INTERNAL.*metadata/.test(none.result?.body ?? ''),
      `status ${none.result?.statusCode ?? none.error}`,
    );

    return {
      ran: true,
      ok: checks.every((c) => c.ok),
      checks,
      bundleBytes: built.getOrder.bytes,
      motoPid: moto.pid,
    };
  } finally {
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await proveCredentialShim({ node: process.execPath });
  for (const c of r.checks ?? []) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
  if (!r.ran) console.log(`not run: ${r.reason}`);
  process.exit(r.ok ? 0 : 1);
}
