/**
 * The whole platform on one machine, from the stacks' own packaged CloudFormation
 * (stage `local`): there is no second description of the topology. In order:
 *
 * 1. engines: moto_server, Postgres, Redis (test-support/engines: loud failure with the
 *    install command when one is missing);
 * 2. every stack, in deployment order: conditions evaluated, intrinsics resolved,
 *    resources created in dependency order (provision.ts), exports shared with the stacks
 *    after it, exactly as CloudFormation would;
 * 3. the services no engine here provides: the Lambda service (lambda/host.ts) with its
 *    Invoke API, Step Functions (sfn/), API Gateway (apigw/) on one port;
 * 4. custom resources (migrations) run through their functions, then every event source
 *    starts (sources.ts) and the simulated payment provider takes webhooks.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createDatabase, startMoto, startPostgres, startRedis } from '@order-platform/test-support/engines';
import { LAMBDA_RETRY_DELAYS_MS } from '@order-platform/test-support/lambda-async';
import { startSerialGate } from '@order-platform/test-support/serial-gate';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '@order-platform/test-support/lambda-invoke-server';
import {
  ACCOUNT,
  NotYetError,
  REGION,
  evaluateConditions,
  loadPackagedTemplate,
  packagedAt,
  resolve,
  type Scope,
} from './cfn';
import { CallStats } from './call-stats';
import {
  deliveryStreamSpec,
  eventsRoleKeyOf,
  firehoseIdentities,
  firehoseRoleKeyOf,
  startFirehose,
  startRuleFeeds,
} from './firehose';
import { FunctionHost, functionNameOf } from './lambda/host';
import {
  ResourcePolicies,
  accessKeyOf,
  identitiesOf,
  integrationRoleKeyOf,
  requestContextOf,
  stateMachineIam,
  stateMachineKeyOf,
  startIamGateway,
  topicPolicies,
  type IamGateway,
  type RoleIdentity,
} from './iam';
import {
  clientsFor,
  collect,
  emptyRunnables,
  provisionResource,
  sesSendingIdentities,
  type Clients,
  type Runnables,
} from './provision';
import {
  holdRefusedQueueDeliveries,
  invokeEvent,
  startSchedules,
  startShadow,
  startSqsMapping,
  startStreamMapping,
  type Running,
  type ScheduleRunner,
  type SourceContext,
} from './sources';
import { startApiGateway, type LocalApiGateway } from './apigw';
import { openApiRoute } from './openapi';
import { startStepFunctions, type LocalStepFunctions } from './sfn';
import type { LocalResource, LogSink } from './types';
import { removeStacks } from './remove';
import { FaultInjector, deadLetterFeeds, faultsRoute, type OutageTargets } from './faults';

export const STAGE = 'local';

export interface PlatformOptions {
  /** Repository root (default: two folders up from this file). */
  root?: string;
  log: LogSink;
  /** Port of the REST APIs (default: a free port). */
  apiPort?: number;
  /** Port of the simulated payment provider (default: a free port). */
  providerPort?: number;
  /** Port of the simulated legacy storefront behind the storefront API (default: a free port). */
  legacyPort?: number;
  /** Port of the simulated carrier fulfilment books shipments with (default: a free port). */
  carrierPort?: number;
  /** Package stacks whose sources changed since they were packaged (default true). */
  repackage?: boolean;
  /** Waits before async-invoke retries (default: Lambda's, about one and two minutes). */
  asyncRetryDelaysMs?: readonly number[];
  /** Import services/catalog/seed/demo-catalog.csv through the catalog bucket, stock included (default true). */
  seedStock?: boolean;
  /**
   * Enforce each function's IAM role on the AWS calls it makes (default true): the
   * functions reach AWS through the IAM gateway (iam/) with their own credentials.
   */
  iam?: boolean;
  /**
   * A fault profile (local/src/faults/profile.ts), put in force once the platform is
   * ready; changed at run time through POST /_local/faults. Default: no faults.
   */
  faults?: unknown;
}

export interface LocalPlatform {
  /** Base URL of each REST API, by service short name (orders, reporting, webhook). */
  apis: Record<string, string>;
  apiKeys: Record<string, string>;
  /** Every stack export, by export name (API URLs rewritten to the local gateway). */
  exports: Map<string, string>;
  engines: { moto: string; postgres: string; redis: string };
  /** The IAM gateway, when roles are enforced (the denials so far are on it). */
  iam?: IamGateway;
  /** Deliveries a resource policy refused (Lambda permissions, queue policies), oldest first. */
  resourceDenials: ResourceDenial[];
  sfn: LocalStepFunctions;
  host: FunctionHost;
  provider: SimulatedProviderHandle;
  /** The stand-in legacy storefront behind the storefront API, when that stack is loaded. */
  legacyStorefrontUrl?: string;
  /** The simulated carrier (its /_control and /_shipments), when the fulfilment stack is loaded. */
  carrierUrl?: string;
  schedules: ScheduleRunner;
  /** Fault injection: the profile in force, what was injected (local/src/faults). */
  faults: FaultInjector;
  /** Control endpoint: custom-resource responses and /_local helpers. */
  controlUrl: string;
  resources: LocalResource[];
  stacks: string[];
  readyMs: number;
  stop(): Promise<void>;
}

export interface ResourceDenial {
  principal: string;
  target: string;
  sourceArn: string;
  reason: string;
}

export interface SimulatedProviderHandle {
  url: string;
  control(patch: Record<string, unknown>): unknown;
  stats(): unknown;
  stop(): Promise<void>;
}

const defaultRoot = () => join(__dirname, '..', '..');

/** The deployable stacks, in deployment order (scripts/stacks.mjs is the one list). */
export async function stackList(root: string): Promise<string[]> {
  const mod = (await import(join(root, 'scripts', 'stacks.mjs'))) as { stacks: () => string[] };
  return mod.stacks();
}

function newestSource(dir: string, newest = 0): number {
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (
      ['node_modules', '.serverless', '.serverless-local', '.esbuild', 'tests', 'bench'].includes(entry.name)
    )
      continue;
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (!entry.name.endsWith('.test.ts') && !entry.name.endsWith('.md'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Stacks whose package is missing or older than their sources (or shared code). */
export function staleStacks(root: string, stacks: string[]): string[] {
  const common = Math.max(
    newestSource(join(root, 'shared', 'src')),
    ...['serverless.common.yml', 'serverless.platform.yml'].map((f) => statSync(join(root, f)).mtimeMs),
  );
  return stacks.filter((s) => {
    const at = packagedAt(root, s);
    const own = s === '.' ? statSync(join(root, 'serverless.yml')).mtimeMs : newestSource(join(root, s));
    return at === 0 || at < Math.max(own, s === '.' ? 0 : common);
  });
}

export async function packageStacks(root: string, stacks: string[], log: LogSink): Promise<void> {
  log.line('runner', `packaging ${stacks.length} stack(s) for stage ${STAGE}: ${stacks.join(', ')}`);
  await new Promise<void>((ok, fail) => {
    const child = spawn(
      process.execPath,
      [join(root, 'scripts', 'package-all.mjs'), '--stage', STAGE, '--out', '.serverless-local', ...stacks],
      {
        cwd: root,
        env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (d: Buffer) =>
      d
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => log.line('package', l)),
    );
    child.stderr.on('data', (d: Buffer) =>
      d
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => log.line('package', l)),
    );
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`packaging failed (exit ${code})`))));
  });
}

/** Creates one stack's resources in dependency order; returns them resolved. */
export async function deployStack(
  root: string,
  stack: string,
  clients: Clients,
  exports: Map<string, string>,
  run: Runnables,
  log: LogSink,
): Promise<LocalResource[]> {
  const t = loadPackagedTemplate(root, stack);
  const service = stack === '.' ? 'op-platform' : `op-${stack.split('/').pop()}`;
  const stackName = `${service}-${STAGE}`;
  const parameters = Object.fromEntries(
    Object.entries(t.Parameters ?? {}).map(([k, p]) => [k, String(p.Default ?? '')]),
  );
  const base = {
    refs: new Map<string, string>(),
    attrs: new Map<string, Record<string, string>>(),
    exports,
    parameters,
    stackName,
  };
  const scope: Scope = { ...base, conditions: evaluateConditions(t, base) };
  const pending = Object.entries(t.Resources).filter(
    ([, r]) => !r.Condition || scope.conditions[r.Condition],
  );
  const created: LocalResource[] = [];
  while (pending.length) {
    let progressed = false;
    for (let i = 0; i < pending.length; i++) {
      const [logicalId, r] = pending[i]!;
      const deps = [r.DependsOn ?? []].flat();
      if (
        deps.some(
          (d) =>
            !scope.refs.has(d) &&
            t.Resources[d] &&
            (!t.Resources[d]!.Condition || scope.conditions[t.Resources[d]!.Condition!]),
        )
      )
        continue;
      let props: Record<string, unknown>;
      try {
        props = (resolve(r.Properties ?? {}, scope) ?? {}) as Record<string, unknown>;
      } catch (e) {
        if (e instanceof NotYetError) continue;
        throw e;
      }
      const isCustom = r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource';
      const made = isCustom
        ? { physicalId: `${stackName}-${logicalId}` }
        : await provisionResource(
            clients,
            { root, stack, service, stackName, logicalId, type: r.Type, props },
            run,
          );
      scope.refs.set(logicalId, made.physicalId);
      scope.attrs.set(logicalId, made.attributes ?? {});
      const resource: LocalResource = {
        stack,
        service,
        logicalId,
        type: r.Type,
        properties: props,
        physicalId: made.physicalId,
        attributes: made.attributes ?? {},
      };
      created.push(resource);
      collect(resource, run);
      pending.splice(i, 1);
      i--;
      progressed = true;
    }
    if (!progressed) {
      const stuck = pending.map(([id, r]) => {
        try {
          resolve(r.Properties ?? {}, scope);
          return `${id} (DependsOn)`;
        } catch (e) {
          return `${id} (${(e as Error).message})`;
        }
      });
      throw new Error(`${stackName}: cannot create ${stuck.join(', ')}`);
    }
  }
  for (const o of Object.values(t.Outputs ?? {})) {
    if (!o.Export || (o.Condition && !scope.conditions[o.Condition])) continue;
    exports.set(String(resolve(o.Export.Name, scope)), String(resolve(o.Value, scope)));
  }
  log.line('runner', `${stackName}: ${created.length} resources`);
  return created;
}

/** A small HTTP endpoint for custom-resource responses (their presigned "S3" URL). */
type ControlRoute = (method: string, path: string, body: string) => Promise<unknown> | undefined;

async function startControl(): Promise<{
  url: string;
  server: Server;
  routes: ControlRoute[];
  waitFor(id: string, ms: number): Promise<Record<string, unknown>>;
}> {
  const waiters = new Map<string, (body: Record<string, unknown>) => void>();
  const routes: ControlRoute[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const m = /^\/_local\/cfn-response\/([\w-]+)$/.exec(path);
      if (req.method === 'PUT' && m && waiters.has(m[1]!)) {
        waiters.get(m[1]!)!(JSON.parse(body) as Record<string, unknown>);
        waiters.delete(m[1]!);
        res.writeHead(200).end();
        return;
      }
      for (const route of routes) {
        const answer = route(req.method ?? 'GET', path, body);
        if (answer === undefined) continue;
        answer.then(
          (out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out ?? {})),
          (e: Error) =>
            res
              .writeHead(400, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: e.message })),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    routes,
    waitFor: (id, ms) =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no custom-resource response within ${ms} ms`)), ms);
        waiters.set(id, (b) => {
          clearTimeout(timer);
          ok(b);
        });
      }),
  };
}

/**
 * The digital products' files (services/fulfilment/seed/products/<sku>), put in the
 * fulfilment bucket under products/<sku> the way a merchant uploads them: what the
 * download links of digital order lines point at (P16).
 */
async function seedProductFiles(root: string, clients: Clients, resources: LocalResource[], log: LogSink) {
  const bucket = resources.find((r) => r.service === 'op-fulfilment' && r.logicalId === 'FulfilmentBucket');
  if (!bucket) return;
  const dir = join(root, 'services', 'fulfilment', 'seed', 'products');
  const skus = readdirSync(dir);
  for (const sku of skus)
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket.physicalId,
        Key: `products/${sku}`,
        Body: readFileSync(join(dir, sku)),
        ContentType: 'text/plain; charset=utf-8',
      }),
    );
  log.line('runner', `fulfilment: ${skus.length} product file(s) in ${bucket.physicalId}`);
}

/**
 * The demo catalog and its stock, loaded the way a merchant loads them: the CSV
 * services/catalog/seed/demo-catalog.csv put under imports/full/ in the catalog bucket
 * through the S3 API -> the catalog import (splitter, workers, finaliser) -> products,
 * and its stock column as `setTo` adjustments on inventory's FIFO queue, applied by the
 * inventory consumer. Waits for the import's report, then until that queue is empty.
 */
async function seedStock(
  root: string,
  clients: Clients,
  resources: LocalResource[],
  log: LogSink,
): Promise<void> {
  const queue = resources.find(
    (r) => r.service === 'op-inventory' && r.logicalId === 'StockAdjustmentsQueue',
  );
  const bucket = resources.find((r) => r.service === 'op-catalog' && r.logicalId === 'CatalogBucket');
  if (!queue || !bucket) return;
  const { jobIdOf, reportKeyOf } = await import('../../services/catalog/src/domain/job');
  const key = 'imports/full/demo-catalog.csv';
  const put = await clients.s3.send(
    new PutObjectCommand({
      Bucket: bucket.physicalId,
      Key: key,
      Body: readFileSync(join(root, 'services', 'catalog', 'seed', 'demo-catalog.csv')),
      ContentType: 'text/csv',
    }),
  );
  const jobId = jobIdOf({ bucket: bucket.physicalId, key, etag: put.ETag! });
  const deadline = Date.now() + 30_000;
  let report: { status: string; counts: Record<string, number> } | undefined;
  while (!report) {
    try {
      const out = await clients.s3.send(
        new GetObjectCommand({ Bucket: bucket.physicalId, Key: reportKeyOf(jobId) }),
      );
      report = JSON.parse(await out.Body!.transformToString()) as typeof report;
    } catch (e) {
      if ((e as Error).name !== 'NoSuchKey') throw e;
      if (Date.now() > deadline)
        throw new Error(`the demo catalog was not imported within 30 s (job ${jobId})`, { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (report!.status !== 'COMPLETED' || report!.counts.rejected)
    throw new Error(`the demo catalog import did not complete cleanly: ${JSON.stringify(report)}`);
  for (;;) {
    const a = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.physicalId,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (
      Number(a.Attributes?.ApproximateNumberOfMessages) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible) ===
      0
    )
      break;
    if (Date.now() > deadline) throw new Error('the demo stock was not applied within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  log.line(
    'runner',
    `demo catalog: ${report!.counts.created} products imported from ${key} (job ${jobId}), stock of ${report!.counts.stockAdjustments} SKUs applied through the adjustments queue`,
  );
}

const EXECUTE_API = /https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/[\w-]+/g;

export async function startPlatform(opts: PlatformOptions): Promise<LocalPlatform> {
  const started = Date.now();
  const root = opts.root ?? defaultRoot();
  const log = opts.log;
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const stacks = await stackList(root);
    const stale = staleStacks(root, stacks);
    if (stale.length) {
      if (opts.repackage === false) throw new Error(`not packaged or out of date: ${stale.join(', ')}`);
      await packageStacks(root, stale, log);
    }

    // 1. engines
    const [moto, pg, redis] = await Promise.all([startMoto(), startPostgres(), startRedis()]);
    stops.push(
      () => moto.stop(),
      () => pg.stop(),
      () => redis.stop(),
    );
    const databaseUrl = await createDatabase(pg.url, 'order_platform');
    log.line('runner', `engines: moto ${moto.url}, postgres ${databaseUrl}, redis ${redis.url}`);

    // 2. stacks
    // Every AWS call that reaches the engines, by caller and operation (GET /_local/stats).
    const calls = new CallStats();
    const clients = clientsFor(moto.url, calls);
    const exports = new Map<string, string>();
    const run = emptyRunnables();
    const resources: LocalResource[] = [];
    for (const stack of stacks)
      resources.push(...(await deployStack(root, stack, clients, exports, run, log)));

    // 3. the services no engine provides
    // moto applies transactions and conditional writes without isolation from concurrent
    // requests (a cancelled transaction can undo a committed one; two updates of one item
    // can lose one): the functions' DynamoDB calls go through a one-at-a-time gate, as the
    // component tests' do, so concurrent reservations and imports keep DynamoDB's guarantees.
    const dynamoGate = await startSerialGate(moto.url);
    stops.push(() => dynamoGate.stop());
    const runtimeEnv: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoGate.url,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    const overrides: Record<string, string> = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url };
    const enforceIam = opts.iam !== false;
    // Fault injection: what an outage stops (the provider joins once it runs).
    const outageTargets: OutageTargets = { postgres: pg, redis };
    const faults = new FaultInjector({ log, targets: outageTargets });
    const host = new FunctionHost({
      faults,
      workDir: join(root, '.local', 'functions'),
      runtimeEnv,
      overrides,
      log,
      // Each function signs with its own access key: the IAM gateway knows who calls.
      ...(enforceIam ? { environmentOf: (fn) => ({ AWS_ACCESS_KEY_ID: accessKeyOf(fn.name) }) } : {}),
    });
    stops.push(() => host.close());
    for (const fn of run.functions) host.register(fn);

    // IAM: every endpoint a function uses becomes the gateway, which checks the call
    // against the caller's role and forwards it, unchanged, to the same upstream. Callers:
    // the functions (their roles), the state machines (their RoleArn, for SDK tasks) and
    // API Gateway's AWS integrations (their Credentials role). Resource policies (Lambda
    // permissions, queue policies) are judged where the runner plays the delivery.
    const upstreams: Record<string, string> & { default: string } = {
      default: moto.url,
      dynamodb: dynamoGate.url,
    };
    let iam: IamGateway | undefined;
    let policies: ResourcePolicies | undefined;
    const resourceDenials: ResourceDenial[] = [];
    const sfnRef: { current?: LocalStepFunctions } = {};
    const byKey = new Map<string, RoleIdentity>();
    if (enforceIam) {
      const { identities, missing } = identitiesOf(run.functions, resources);
      if (missing.length) throw new Error(`no IAM role found for ${missing.join(', ')}`);
      const machines = run.stateMachines.map((m) => {
        const name = String(
          m.attributes.Name ?? m.properties.StateMachineName ?? m.physicalId.split(':').pop(),
        );
        return { name, role: String(m.properties.RoleArn ?? ''), accessKey: stateMachineKeyOf(name) };
      });
      const credentialRoles = [
        ...new Set(
          run.apiResources.flatMap((r) =>
            r.type === 'AWS::ApiGateway::Method' && r.properties.Integration?.Credentials
              ? [String(r.properties.Integration.Credentials)]
              : [],
          ),
        ),
      ].map((role) => ({ name: 'ApiGateway', role, accessKey: integrationRoleKeyOf(role) }));
      const others = identitiesOf([...machines, ...credentialRoles, ...firehoseIdentities(run)], resources);
      if (others.missing.length)
        log.line('iam', `no IAM role found for ${others.missing.join(', ')} (its calls are refused)`);
      for (const [k, v] of [...identities, ...others.identities]) byKey.set(k, v);
      const sesIdentities = resources.flatMap((r) =>
        r.type === 'AWS::SES::EmailIdentity'
          ? [String(r.properties.EmailIdentity)]
          : r.type === 'AWS::IAM::Role'
            ? sesSendingIdentities(r.properties)
            : [],
      );
      const topics = topicPolicies(resources);
      iam = await startIamGateway({
        upstreams,
        identities: byKey,
        adminKeys: new Set(['local']),
        context: requestContextOf(ACCOUNT, REGION, resources, sesIdentities, (t) =>
          sfnRef.current?.stateMachineOfTaskToken(t),
        ),
        resourcePolicyOf: (arn) => topics.get(arn),
        log,
        calls,
        faults,
      });
      stops.push(() => iam!.stop());
      policies = new ResourcePolicies(resources, ACCOUNT, REGION);
    } else log.line('iam', 'roles NOT enforced (--no-iam): functions call the engines directly');

    /** A service's delivery judged by the function's policy; a refusal is remembered. */
    const canInvoke = async (fn: string, delivery: { principal: string; sourceArn: string }) => {
      const d = await policies!.canInvoke(fn, delivery as never);
      if (!d.allowed)
        resourceDenials.push({
          principal: delivery.principal,
          target: fn,
          sourceArn: delivery.sourceArn,
          reason: d.reason,
        });
      return d;
    };
    const gatewayUrl = iam?.url;

    const sfn = await startStepFunctions({
      stateMachines: run.stateMachines,
      functions: host,
      awsEndpoint: moto.url,
      region: REGION,
      accountId: ACCOUNT,
      log,
      ...(iam
        ? {
            iam: stateMachineIam({
              endpoint: iam.url,
              account: ACCOUNT,
              region: REGION,
              identities: byKey,
              denials: iam.denials,
              log,
            }),
          }
        : {}),
    });
    sfnRef.current = sfn;
    stops.push(() => sfn.close());
    // Origins of HTTP integrations a local stand-in plays (filled once it listens).
    const httpOrigins = new Map<string, string>();
    const gateway: LocalApiGateway = await startApiGateway({
      resources: run.apiResources,
      httpOrigins,
      stage: STAGE,
      functions: host,
      awsEndpoint: moto.url,
      region: REGION,
      accountId: ACCOUNT,
      log,
      ...(gatewayUrl
        ? {
            iam: {
              endpoint: gatewayUrl,
              accessKeyOf: integrationRoleKeyOf,
              async canInvoke(fn, delivery) {
                const d = await canInvoke(fn, delivery);
                if (!d.allowed)
                  log.line(
                    'iam',
                    `DENIED API Gateway -> ${functionNameOf(fn)}: lambda:InvokeFunction from ${delivery.sourceArn}: ${d.reason} (no AWS::Lambda::Permission admits it): 500 Internal server error`,
                  );
                return d;
              },
            },
          }
        : {}),
      ...(opts.apiPort !== undefined ? { port: opts.apiPort } : {}),
    });
    stops.push(() => gateway.close());

    // Aborted first on stop (registered last): async retries still waiting are dropped.
    const stopping = new AbortController();
    const ctx: SourceContext = {
      host,
      clients,
      endpoint: moto.url,
      log,
      sfn,
      asyncRetryDelaysMs: opts.asyncRetryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS,
      pending: { asyncInvocations: 0 },
      stopping: stopping.signal,
      asyncConfigs: new Map(
        run.eventInvokeConfigs.map((c) => [functionNameOf(String(c.properties.FunctionName)), c]),
      ),
      ...(policies ? { invokePermission: canInvoke } : {}),
      faults,
    };
    const invoke: LambdaInvokeServer = await startLambdaInvokeServer({}, { keepInvocations: false });
    stops.push(() => invoke.stop());
    for (const fn of run.functions) {
      invoke.register(
        fn.name,
        async (event) => {
          const r = await host.invoke(fn.name, event);
          if (r.error) throw Object.assign(new Error(r.error.errorMessage), { name: r.error.errorType });
          return r.payload;
        },
        // The host enforces the function timeout; this bound only guards the HTTP call.
        { timeoutMs: fn.timeoutMs + 5_000, onEvent: (payload) => invokeEvent(ctx, fn.name, payload) },
      );
    }
    runtimeEnv.AWS_ENDPOINT_URL_SFN = sfn.url;
    runtimeEnv.AWS_ENDPOINT_URL_LAMBDA = invoke.url;
    upstreams.lambda = invoke.url;
    upstreams.states = sfn.url;
    if (iam) {
      for (const key of [
        'AWS_ENDPOINT_URL',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_SFN',
        'AWS_ENDPOINT_URL_LAMBDA',
      ])
        runtimeEnv[key] = iam.url;
      // The SQS client sends a call to its queue URL's host (useQueueUrlAsEndpoint), and
      // moto's queue URLs name moto: the functions get them on the gateway instead.
      for (const fn of run.functions)
        for (const [k, v] of Object.entries(fn.environment))
          if (v.includes(moto.url)) fn.environment[k] = v.split(moto.url).join(iam.url);
      // SNS -> SQS and EventBridge -> SQS: moto delivers them, the queue policies decide here.
      const held = await holdRefusedQueueDeliveries(
        clients,
        run.queueDeliveries,
        async (queueArn, delivery) => {
          const d = await policies!.canSend(queueArn, delivery);
          if (!d.allowed)
            resourceDenials.push({
              principal: delivery.principal,
              target: queueArn,
              sourceArn: delivery.sourceArn,
              reason: d.reason,
            });
          return d;
        },
        log,
      );
      const unevaluated = new Set([...byKey.values()].flatMap((i) => i.unevaluatedManagedPolicies));
      log.line(
        'iam',
        `roles enforced: ${run.functions.length} functions, ${run.stateMachines.length} state machines and the API integration roles reach AWS through ${iam.url}; ` +
          `resource policies enforced: Lambda permissions on ${run.shadows.length + run.schedules.length} deliveries and every API invocation, queue policies on ${run.queueDeliveries.length} deliveries (${held.length} held), topic policies with every Publish to ${[...topicPolicies(resources).keys()].map((a) => a.split(':').pop()).join(', ') || 'no topic'}` +
          (unevaluated.size
            ? ` (not evaluated: AWS-managed ${[...unevaluated].map((a) => a.split('/').pop()).join(', ')})`
            : ''),
      );
    }

    // API URLs: what CloudFormation would export (execute-api hosts) become the local gateway.
    const localUrl = (value: string) => value.replace(EXECUTE_API, (_m, id: string) => gateway.baseUrlOf(id));
    for (const fn of run.functions)
      for (const [k, v] of Object.entries(fn.environment)) fn.environment[k] = localUrl(v);
    for (const [k, v] of exports) exports.set(k, localUrl(v));

    // The dev token issuer's public key, where the local gatekeeper reads it (npm run token).
    const { loadOrCreateDevKeys, devKeyParameterName } =
      await import('../../services/auth/src/dev/dev-issuer');
    const keys = await loadOrCreateDevKeys();
    await clients.ssm.send(
      new PutParameterCommand({
        Name: devKeyParameterName(STAGE),
        Value: keys.publicKeyPem,
        Type: 'String',
        Overwrite: true,
      }),
    );

    // The simulated payment provider: the payments API key and the webhook signing secret
    // are the ones the stacks created; webhooks go to the local webhook API.
    const { startSimulatedProvider } = await import('../../services/payments/src/simulator/provider');
    const apiKey = run.secrets.get(`op-payments/${STAGE}/provider-api-key`);
    const signingSecret = run.secrets.get(`op-webhook/${STAGE}/payment-signing-secret`);
    const webhookApi = run.apiResources.find(
      (r) => r.type === 'AWS::ApiGateway::RestApi' && r.service === 'op-webhook',
    );
    const provider = await startSimulatedProvider({
      host: '127.0.0.1',
      port: opts.providerPort ?? 0,
      mode: 'approve',
      confirmDelayMs: 300,
      ...(apiKey ? { apiKey } : {}),
      ...(signingSecret ? { signingSecret } : {}),
      ...(webhookApi ? { webhookUrl: `${gateway.baseUrlOf(webhookApi.physicalId)}/webhooks/payments` } : {}),
    });
    stops.push(() => provider.stop());
    overrides.PROVIDER_BASE_URL = provider.url;
    outageTargets.provider = provider;

    // Firehose (local/src/firehose.ts): its API behind the IAM gateway, its Kinesis sources
    // read and its objects written with the delivery roles' credentials.
    const firehose = await startFirehose({
      streams: run.deliveryStreams.map(deliveryStreamSpec),
      awsEndpoint: iam?.url ?? moto.url,
      region: REGION,
      keyOf: iam ? firehoseRoleKeyOf : () => 'local',
      log,
    });
    upstreams.firehose = firehose.url;
    const ruleFeeds = startRuleFeeds(run.firehoseFeeds, {
      sqs: clients.sqs,
      firehoseEndpoint: iam?.url ?? firehose.url,
      region: REGION,
      keyOf: iam ? eventsRoleKeyOf : () => 'local',
      log,
    });
    stops.push(() => firehose.stop());
    stops.push(() => ruleFeeds.stop());

    // The legacy storefront the storefront API's HTTP proxy integrations forward to (P21).
    const legacyOrigins = new Set(
      run.apiResources.flatMap((r) =>
        r.type === 'AWS::ApiGateway::Method' &&
        r.service === 'op-storefront' &&
        r.properties.Integration?.Type === 'HTTP_PROXY'
          ? [new URL(String(r.properties.Integration.Uri).replace(/\{[^}]*\}/g, 'x')).origin]
          : [],
      ),
    );
    let legacyUrl: string | undefined;
    if (legacyOrigins.size) {
      const { startLegacyStorefront } = await import('../../services/storefront/src/legacy-storefront');
      const legacy = await startLegacyStorefront({ port: opts.legacyPort ?? 0 });
      stops.push(() => legacy.stop());
      legacyUrl = legacy.url;
      for (const origin of legacyOrigins) httpOrigins.set(origin, legacy.url);
    }

    // The simulated carrier fulfilment books shipments with (P16); it reports each
    // shipment's progress to the webhook API's carrier endpoint with the carrier API key (P28).
    let carrierUrl: string | undefined;
    if (stacks.includes('services/fulfilment')) {
      const { startSimulatedCarrier, parseCarrierControl } =
        await import('../../services/fulfilment/src/simulator/carrier');
      const carrierKey = Object.entries(gateway.apiKeys).find(([name]) =>
        name.startsWith('op-webhook-carrier'),
      );
      const carrier = await startSimulatedCarrier({
        port: opts.carrierPort ?? 0,
        settings: { stepMs: 300 },
        ...(webhookApi ? { webhookUrl: `${gateway.baseUrlOf(webhookApi.physicalId)}/webhooks/carrier` } : {}),
        ...(carrierKey ? { apiKey: carrierKey[1] } : {}),
      });
      stops.push(() => carrier.stop());
      outageTargets.carrier = {
        settings: () => ({ ...carrier.settings }),
        control: (patch) => carrier.control(parseCarrierControl(patch)),
      };
      carrierUrl = carrier.url;
      overrides.CARRIER_BASE_URL = carrier.url;
    }

    // 4. custom resources (schema migrations), then the event sources.
    const control = await startControl();
    stops.push(() => new Promise((r) => control.server.close(r)));
    for (const cr of run.customResources) {
      const id = randomUUID();
      const { ServiceToken, ...properties } = cr.properties;
      const event = {
        RequestType: 'Create',
        ServiceToken,
        ResponseURL: `${control.url}/_local/cfn-response/${id}`,
        StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${cr.service}-${STAGE}/local`,
        RequestId: id,
        LogicalResourceId: cr.logicalId,
        ResourceType: cr.type,
        ResourceProperties: { ServiceToken, ...properties },
      };
      const answer = control.waitFor(id, 120_000);
      const r = await host.invoke(String(ServiceToken), event);
      if (r.error)
        throw new Error(`${cr.service} ${cr.logicalId}: ${r.error.errorType}: ${r.error.errorMessage}`);
      const response = await answer;
      if (response.Status !== 'SUCCESS')
        throw new Error(`${cr.service} ${cr.logicalId} FAILED: ${String(response.Reason)}`);
      log.line('runner', `${cr.service}: ${cr.logicalId} created (${String(response.PhysicalResourceId)})`);
    }

    const sources: Running[] = [];
    for (const esm of run.eventSourceMappings) {
      if (esm.properties.Enabled === false) continue;
      const arn = String(esm.properties.EventSourceArn);
      if (arn.startsWith('arn:aws:sqs:')) sources.push(startSqsMapping(ctx, esm));
      else if (arn.includes(':dynamodb:')) sources.push(startStreamMapping(ctx, esm));
      else throw new Error(`${esm.service} ${esm.logicalId}: event source ${arn} is not supported locally`);
    }
    for (const shadow of run.shadows) sources.push(startShadow(ctx, shadow));
    const schedules = startSchedules(ctx, run.schedules);
    sources.push(schedules);
    stops.push(() => Promise.all(sources.map((s) => s.stop())));
    stops.push(async () => stopping.abort(new Error('the local runner is stopping')));

    if (opts.seedStock !== false) await seedStock(root, clients, resources, log);
    await seedProductFiles(root, clients, resources, log);

    const apis: Record<string, string> = {};
    for (const api of run.apiResources.filter((r) => r.type === 'AWS::ApiGateway::RestApi'))
      apis[api.service.replace(/^op-/, '')] = gateway.baseUrlOf(api.physicalId);

    // /_local: what a script driving the running platform needs (npm run demo).
    const info = () => ({
      apis,
      apiKeys: gateway.apiKeys,
      providerUrl: provider.url,
      ...(legacyUrl ? { legacyStorefrontUrl: legacyUrl } : {}),
      ...(carrierUrl ? { carrierUrl } : {}),
      engines: { moto: moto.url, postgres: databaseUrl, redis: redis.url },
      sfnUrl: sfn.url,
      lambdaUrl: invoke.url,
      schedules: schedules.names(),
      exports: Object.fromEntries(exports),
    });
    control.routes.push((method, path) => {
      if (method === 'GET' && path === '/_local/info') return Promise.resolve(info());
      const fire = /^\/_local\/schedules\/([^/]+)$/.exec(path);
      if (method === 'POST' && fire)
        return schedules.fire(decodeURIComponent(fire[1]!)).then(() => ({ fired: fire[1] }));
      if (method === 'GET' && path === '/_local/executions') return Promise.resolve(sfn.executions());
      // Firehose now: what the rules and streams hold is delivered, every buffer written.
      if (method === 'POST' && path === '/_local/firehose/flush')
        return ruleFeeds.drain().then(async () => ({ written: await firehose.flush() }));
      // IAM: whether roles are enforced, the gateway's counts and every denial so far.
      if (method === 'GET' && path === '/_local/iam')
        return Promise.resolve(
          iam
            ? { enforced: true, ...iam.stats, denials: iam.denials, resourceDenials }
            : { enforced: false, denials: [], resourceDenials: [] },
        );
      // What each stack's resources became in the engines (tables, queues, buckets...).
      if (method === 'GET' && path === '/_local/resources')
        return Promise.resolve(
          resources.map(({ stack, service, logicalId, type, physicalId, attributes }) => ({
            stack,
            service,
            logicalId,
            type,
            physicalId,
            attributes,
          })),
        );
      // The AWS calls that reached the engines so far, by caller and operation.
      if (method === 'GET' && path === '/_local/stats') return Promise.resolve({ calls: calls.snapshot() });
      // npm run remove -- --stage local: event sources stop, then every stack's resources
      // leave the engines (remove.ts); the runner keeps serving /_local until Ctrl-C.
      if (method === 'POST' && path === '/_local/remove')
        return (async () => {
          stopping.abort(new Error('the stacks are being removed'));
          await Promise.all(sources.map((s) => s.stop()));
          // Firehose reads the Kinesis streams and the rules' feeds: both stop before they go.
          await ruleFeeds.stop();
          await firehose.stop();
          const removed = await removeStacks(clients, resources, stacks, (l) => log.line('runner', l));
          return { removed };
        })();
      if (method === 'GET' && path === '/_local/functions')
        return Promise.resolve(host.functions().map((f) => ({ name: f.name, ...host.stats(f.name) })));
      // Work the engines cannot show: async invocations running or waiting to be retried.
      if (method === 'GET' && path === '/_local/pending') return Promise.resolve({ ...ctx.pending });
      return undefined;
    });
    control.routes.push(faultsRoute(faults, () => deadLetterFeeds(resources)));
    // Outages follow the clock; the profile given at start is in force from now on.
    const faultClock = setInterval(() => void faults.tick(), 250);
    stops.push(async () => clearInterval(faultClock));
    if (opts.faults !== undefined) await faults.set(opts.faults);
    // Each API's contract (docs/openapi/, npm run docs:contracts) beside the API itself.
    control.routes.push(openApiRoute(join(root, 'docs', 'openapi')));

    const readyMs = Date.now() - started;
    log.line(
      'runner',
      `ready in ${(readyMs / 1000).toFixed(1)} s: ${run.functions.length} functions, ${resources.length} resources`,
    );
    return {
      apis,
      apiKeys: gateway.apiKeys,
      exports,
      engines: { moto: moto.url, postgres: databaseUrl, redis: redis.url },
      ...(iam ? { iam } : {}),
      resourceDenials,
      sfn,
      host,
      provider,
      ...(legacyUrl ? { legacyStorefrontUrl: legacyUrl } : {}),
      ...(carrierUrl ? { carrierUrl } : {}),
      schedules,
      faults,
      controlUrl: control.url,
      resources,
      stacks,
      readyMs,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
