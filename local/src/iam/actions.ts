/**
 * What an AWS API request asks IAM for: the caller (the SigV4 credential's access key and
 * the service it signed for) and every (action, resource ARN) pair AWS authorizes before
 * it runs the call. Pure: the gateway (gateway.ts) feeds it the raw request; lookups only
 * the running platform knows (a secret's full ARN, the state machine behind a task token,
 * the verified SES identities) come in through `RequestContext`.
 *
 * One request can need several checks: BatchWriteItem and BatchGetItem check each table,
 * TransactWriteItems checks PutItem / UpdateItem / DeleteItem / ConditionCheckItem per
 * item (IAM has no TransactWriteItems action), EventBridge PutEvents each entry's bus,
 * SSM GetParameters each name, a copy both objects. The request is allowed only when
 * every check is.
 */

export interface RawRequest {
  method: string;
  /** Path and query string, as received (`/bucket/key?x-id=GetObject`). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Signature {
  accessKeyId: string;
  /** The credential scope's service (`dynamodb`, `sqs`, `s3`, `states`, `lambda`, …). */
  service: string;
  region: string;
}

export interface Check {
  /** `dynamodb:PutItem` */
  action: string;
  /** The resource ARN AWS evaluates the action on (`*` for actions without resource types). */
  resource: string;
}

export interface RequestContext {
  account: string;
  region: string;
  /** A secret's ARN (with AWS's random suffix) from its name, partial ARN or ARN. */
  secretArn?(secretId: string): string | undefined;
  /** The state machine ARN of the execution a task token belongs to (SendTask*). */
  stateMachineOfTaskToken?(token: string): string | undefined;
  /** SES identities (addresses and domains) that exist: the one a sender uses is checked. */
  sesIdentities?: ReadonlySet<string>;
}

/** The protocol family of a service, for the shape of its errors (errors.ts). */
export type Protocol = 'json' | 'query' | 'rest-json' | 'rest-xml' | 'sqs';

const header = (r: RawRequest, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The access key and service of a SigV4-signed request (header or presigned query), if signed. */
export function signatureOf(r: RawRequest): Signature | undefined {
  const auth = header(r, 'authorization');
  let credential = auth ? /Credential=([^,\s]+)/.exec(auth)?.[1] : undefined;
  if (!credential) {
    const q = new URL(r.url, 'http://x').searchParams.get('X-Amz-Credential');
    credential = q ?? undefined;
  }
  if (!credential) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  if (!accessKeyId || !service) return undefined;
  return { accessKeyId, service, region: region ?? '' };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function json(r: RawRequest): Json {
  if (!r.body.length) return {};
  try {
    return JSON.parse(r.body.toString('utf8')) as Json;
  } catch {
    return {};
  }
}

function form(r: RawRequest): URLSearchParams {
  const query = new URL(r.url, 'http://x').searchParams;
  const type = header(r, 'content-type') ?? '';
  if (r.method === 'POST' && type.includes('x-www-form-urlencoded')) {
    const body = new URLSearchParams(r.body.toString('utf8'));
    for (const [k, v] of query) if (!body.has(k)) body.set(k, v);
    return body;
  }
  return query;
}

/** `X-Amz-Target: DynamoDB_20120810.PutItem` -> `PutItem` */
const targetOp = (r: RawRequest): string | undefined => header(r, 'x-amz-target')?.split('.').pop();

const arnOf = (ctx: RequestContext, service: string, resource: string) =>
  `arn:aws:${service}:${ctx.region}:${ctx.account}:${resource}`;

// --- DynamoDB (JSON 1.0) -------------------------------------------------------------

const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

function tableArn(ctx: RequestContext, table: string, index?: string): string {
  const base = table.startsWith('arn:') ? table : arnOf(ctx, 'dynamodb', `table/${table}`);
  return index ? `${base}/index/${index}` : base;
}

function dynamodb(r: RawRequest, ctx: RequestContext): Check[] {
  const target = header(r, 'x-amz-target') ?? '';
  const op = targetOp(r) ?? '';
  const b = json(r);
  if (target.startsWith('DynamoDBStreams_')) {
    const resource = typeof b.StreamArn === 'string' ? b.StreamArn : '*';
    return [{ action: `dynamodb:${op}`, resource }];
  }
  switch (op) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((b.RequestItems ?? {}) as object).map((t) => ({
        action: `dynamodb:${op}`,
        resource: tableArn(ctx, t),
      }));
    case 'TransactWriteItems':
      return ((b.TransactItems ?? []) as Array<Record<string, { TableName: string }>>).flatMap((item) =>
        Object.entries(item)
          .filter(([kind]) => TRANSACT_ITEM_ACTIONS[kind])
          .map(([kind, v]) => ({
            action: `dynamodb:${TRANSACT_ITEM_ACTIONS[kind]}`,
            resource: tableArn(ctx, v.TableName),
          })),
      );
    case 'TransactGetItems':
      return ((b.TransactItems ?? []) as Array<{ Get?: { TableName: string } }>)
        .filter((i) => i.Get)
        .map((i) => ({ action: 'dynamodb:GetItem', resource: tableArn(ctx, i.Get!.TableName) }));
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action: `dynamodb:${op}`, resource: '*' }];
    case 'ExecuteStatement':
      return [{ action: 'dynamodb:PartiQLSelect', resource: '*' }];
    default: {
      const table = (b.TableName ?? b.ResourceArn) as string | undefined;
      const index = op === 'Query' || op === 'Scan' ? (b.IndexName as string | undefined) : undefined;
      return [{ action: `dynamodb:${op}`, resource: table ? tableArn(ctx, table, index) : '*' }];
    }
  }
}

// --- SQS (JSON protocol with X-Amz-Target: AmazonSQS.*, or the query protocol) ---------

const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** `http://host/123456789012/orders.fifo` (moto, AWS) -> `arn:aws:sqs:<region>:123456789012:orders.fifo` */
export function queueArnOf(queueUrl: string, ctx: RequestContext): string {
  const parts = new URL(queueUrl, 'http://x').pathname.split('/').filter(Boolean);
  const name = parts.at(-1) ?? '';
  const account = parts.length >= 2 ? parts.at(-2)! : ctx.account;
  return `arn:aws:sqs:${ctx.region}:${account}:${name}`;
}

function sqs(r: RawRequest, ctx: RequestContext): Check[] {
  let op: string;
  let params: (k: string) => string | undefined;
  if (header(r, 'x-amz-target')?.startsWith('AmazonSQS.')) {
    op = targetOp(r)!;
    const b = json(r);
    params = (k) => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  } else {
    const f = form(r);
    op = f.get('Action') ?? '';
    params = (k) => f.get(k) ?? undefined;
  }
  const action = `sqs:${SQS_BATCH_ACTIONS[op] ?? op}`;
  const url = params('QueueUrl');
  if (url) return [{ action, resource: queueArnOf(url, ctx) }];
  // The query protocol also takes the queue from the path (`/{account}/{queue}`), as an
  // API Gateway SQS integration (`sqs:path/{account}/{queue}`) sends it.
  const path = new URL(r.url, 'http://x').pathname.split('/').filter(Boolean);
  if (path.length === 2 && /^\d{12}$/.test(path[0]!))
    return [{ action, resource: `arn:aws:sqs:${ctx.region}:${path[0]}:${path[1]}` }];
  const name = params('QueueName');
  if (name && op !== 'ListQueues') {
    const owner = params('QueueOwnerAWSAccountId') ?? ctx.account;
    return [{ action, resource: `arn:aws:sqs:${ctx.region}:${owner}:${name}` }];
  }
  return [{ action, resource: '*' }];
}

// --- SNS (query protocol) --------------------------------------------------------------

function sns(r: RawRequest): Check[] {
  const f = form(r);
  const op = f.get('Action') ?? targetOp(r) ?? '';
  const action = `sns:${op === 'PublishBatch' ? 'Publish' : op}`;
  const resource = f.get('TopicArn') ?? f.get('TargetArn') ?? (f.get('PhoneNumber') ? '*' : undefined);
  return [{ action, resource: resource ?? '*' }];
}

// --- EventBridge (JSON 1.1) ------------------------------------------------------------

function busArn(ctx: RequestContext, nameOrArn: string | undefined): string {
  const v = nameOrArn || 'default';
  return v.startsWith('arn:') ? v : arnOf(ctx, 'events', `event-bus/${v}`);
}

function events(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const b = json(r);
  if (op === 'PutEvents') {
    const buses = new Set(
      ((b.Entries ?? []) as Array<{ EventBusName?: string }>).map((e) => busArn(ctx, e.EventBusName)),
    );
    return [...buses].map((resource) => ({ action: 'events:PutEvents', resource }));
  }
  if (typeof b.Rule === 'string' || (typeof b.Name === 'string' && /Rule$/.test(op))) {
    const rule = (b.Rule ?? b.Name) as string;
    const bus = (b.EventBusName as string | undefined) ?? 'default';
    const resource = rule.startsWith('arn:')
      ? rule
      : arnOf(ctx, 'events', bus === 'default' ? `rule/${rule}` : `rule/${bus}/${rule}`);
    return [{ action: `events:${op}`, resource }];
  }
  if (typeof b.EventBusName === 'string' || (typeof b.Name === 'string' && /EventBus$/.test(op)))
    return [{ action: `events:${op}`, resource: busArn(ctx, (b.EventBusName ?? b.Name) as string) }];
  return [{ action: `events:${op}`, resource: '*' }];
}

// --- Step Functions (JSON 1.0) ---------------------------------------------------------

function states(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const b = json(r);
  const action = `states:${op}`;
  if (op.startsWith('SendTask')) {
    // The service authorization reference lists no resource type for SendTask*, but AWS
    // authorizes them on the state machine that owns the token (its AccessDenied names
    // `…:stateMachine:<name>`), so a policy can scope them to one state machine.
    const owner = ctx.stateMachineOfTaskToken?.(String(b.taskToken ?? ''));
    return [{ action, resource: owner ?? '*' }];
  }
  const resource = (b.stateMachineArn ?? b.executionArn ?? b.activityArn ?? b.resourceArn) as
    string | undefined;
  return [{ action, resource: resource ?? '*' }];
}

// --- Lambda (REST) ---------------------------------------------------------------------

/** `name`, `name:qualifier`, `123:function:name`, or a full ARN -> the function ARN (qualified if asked). */
export function functionArnOf(nameOrArn: string, ctx: RequestContext, qualifier?: string | null): string {
  let arn: string;
  if (nameOrArn.startsWith('arn:')) arn = nameOrArn;
  else if (nameOrArn.includes(':function:'))
    arn = `arn:aws:lambda:${ctx.region}:${nameOrArn}`; // 123:function:name
  else arn = arnOf(ctx, 'lambda', `function:${nameOrArn}`);
  return qualifier && arn.split(':').length === 7 ? `${arn}:${qualifier}` : arn;
}

function lambda(r: RawRequest, ctx: RequestContext): Check[] {
  const url = new URL(r.url, 'http://x');
  const path = url.pathname;
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(path);
  if (invoke) {
    const fn = decodeURIComponent(invoke[1]!);
    return [
      {
        action: 'lambda:InvokeFunction',
        resource: functionArnOf(fn, ctx, url.searchParams.get('Qualifier')),
      },
    ];
  }
  const async = /^\/2014-11-13\/functions\/([^/]+)\/invoke-async\/?$/.exec(path);
  if (async)
    return [{ action: 'lambda:InvokeFunction', resource: functionArnOf(decodeURIComponent(async[1]!), ctx) }];
  const fn = /^\/\d{4}-\d{2}-\d{2}\/functions\/([^/]+)(\/.*)?$/.exec(path);
  if (fn && r.method === 'GET' && !fn[2])
    return [{ action: 'lambda:GetFunction', resource: functionArnOf(decodeURIComponent(fn[1]!), ctx) }];
  if (fn && r.method === 'GET' && fn[2] === '/configuration')
    return [
      { action: 'lambda:GetFunctionConfiguration', resource: functionArnOf(decodeURIComponent(fn[1]!), ctx) },
    ];
  return [{ action: 'lambda:Unknown', resource: '*' }];
}

// --- S3 (REST, path-style or virtual-host) ---------------------------------------------

/** Bucket and key of an S3 request: `bucket.s3.<region>.amazonaws.com`, `bucket.localhost`, or path-style. */
export function s3Location(host: string, url: string): { bucket?: string; key?: string } {
  const hostname = host.replace(/:\d+$/, '');
  const path = new URL(url, 'http://x').pathname;
  const decode = (s: string) => decodeURIComponent(s);
  const virtual = /^(.+)\.s3[.-]/.exec(hostname) ?? /^(.+)\.localhost$/.exec(hostname);
  if (virtual && virtual[1] !== 's3') {
    const key = path.replace(/^\//, '');
    return { bucket: virtual[1], ...(key ? { key: decode(key) } : {}) };
  }
  const [, bucket, ...rest] = path.split('/');
  if (!bucket) return {};
  const key = rest.join('/');
  return { bucket: decode(bucket), ...(key ? { key: decode(key) } : {}) };
}

const s3Arn = (bucket: string, key?: string) => `arn:aws:s3:::${bucket}${key !== undefined ? `/${key}` : ''}`;

function s3(r: RawRequest): Check[] {
  const url = new URL(r.url, 'http://x');
  const q = url.searchParams;
  const { bucket, key } = s3Location(header(r, 'host') ?? '', r.url);
  const m = r.method.toUpperCase();
  if (!bucket) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (key === undefined) {
    const resource = s3Arn(bucket);
    const sub = (name: string) => q.has(name);
    if (m === 'POST' && sub('delete')) {
      const keys = [...r.body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((k) =>
        k[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'),
      );
      return keys.map((k) => ({ action: 's3:DeleteObject', resource: s3Arn(bucket, k) }));
    }
    if (m === 'GET' && sub('versions')) return [{ action: 's3:ListBucketVersions', resource }];
    if (m === 'GET' && sub('uploads')) return [{ action: 's3:ListBucketMultipartUploads', resource }];
    if (m === 'GET' && sub('location')) return [{ action: 's3:GetBucketLocation', resource }];
    if (m === 'GET' && sub('notification')) return [{ action: 's3:GetBucketNotification', resource }];
    if (m === 'PUT' && sub('notification')) return [{ action: 's3:PutBucketNotification', resource }];
    if (m === 'PUT') return [{ action: 's3:CreateBucket', resource }];
    if (m === 'DELETE') return [{ action: 's3:DeleteBucket', resource }];
    // GET (ListObjects / ListObjectsV2) and HEAD (HeadBucket) both need s3:ListBucket.
    return [{ action: 's3:ListBucket', resource }];
  }
  const resource = s3Arn(bucket, key);
  if (q.has('tagging')) {
    const verb = m === 'GET' ? 'Get' : m === 'DELETE' ? 'Delete' : 'Put';
    return [{ action: `s3:${verb}ObjectTagging`, resource }];
  }
  if (q.has('acl')) return [{ action: `s3:${m === 'GET' ? 'Get' : 'Put'}ObjectAcl`, resource }];
  switch (m) {
    case 'GET':
      if (q.has('uploadId')) return [{ action: 's3:ListMultipartUploadParts', resource }];
      return [{ action: q.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', resource }];
    case 'HEAD':
      return [{ action: q.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', resource }];
    case 'DELETE':
      if (q.has('uploadId')) return [{ action: 's3:AbortMultipartUpload', resource }];
      return [{ action: q.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource }];
    case 'PUT':
    case 'POST': {
      const checks: Check[] = [{ action: 's3:PutObject', resource }];
      const source = header(r, 'x-amz-copy-source');
      if (source) {
        const [path, query] = decodeURIComponent(source).replace(/^\//, '').split('?versionId=');
        checks.push({
          action: query ? 's3:GetObjectVersion' : 's3:GetObject',
          resource: `arn:aws:s3:::${path}`,
        });
      }
      return checks;
    }
    default:
      return [{ action: `s3:${m}`, resource }];
  }
}

// --- Secrets Manager, SSM (JSON 1.1) ---------------------------------------------------

function secretsmanager(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const b = json(r);
  const id = b.SecretId as string | undefined;
  if (op === 'BatchGetSecretValue') {
    return ((b.SecretIdList ?? []) as string[]).map((s) => ({
      action: 'secretsmanager:GetSecretValue',
      resource:
        ctx.secretArn?.(s) ?? (s.startsWith('arn:') ? s : arnOf(ctx, 'secretsmanager', `secret:${s}`)),
    }));
  }
  if (!id) return [{ action: `secretsmanager:${op}`, resource: '*' }];
  const resource =
    ctx.secretArn?.(id) ?? (id.startsWith('arn:') ? id : arnOf(ctx, 'secretsmanager', `secret:${id}`));
  return [{ action: `secretsmanager:${op}`, resource }];
}

/** `/op/local/key` or `name` -> `arn:aws:ssm:<region>:<account>:parameter/op/local/key` (an ARN stays). */
export function parameterArnOf(name: string, ctx: RequestContext): string {
  if (name.startsWith('arn:')) return name;
  return arnOf(ctx, 'ssm', `parameter/${name.replace(/^\//, '')}`);
}

function ssm(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const b = json(r);
  const action = `ssm:${op}`;
  if (Array.isArray(b.Names))
    return (b.Names as string[]).map((n) => ({ action, resource: parameterArnOf(n, ctx) }));
  if (typeof b.Name === 'string') return [{ action, resource: parameterArnOf(b.Name, ctx) }];
  if (typeof b.Path === 'string') return [{ action, resource: parameterArnOf(b.Path, ctx) }];
  return [{ action, resource: '*' }];
}

// --- SES (v2 REST JSON, v1 query) ------------------------------------------------------

/** The identity AWS checks for a sender: the address when it is verified itself, else its domain. */
export function sesIdentityArnOf(from: string, ctx: RequestContext): string {
  const address = (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();
  const domain = address.split('@').pop() ?? address;
  const identity = ctx.sesIdentities?.has(address) || !address.includes('@') ? address : domain;
  return arnOf(ctx, 'ses', `identity/${identity}`);
}

function ses(r: RawRequest, ctx: RequestContext): Check[] {
  const path = new URL(r.url, 'http://x').pathname;
  if (path.startsWith('/v2/email/')) {
    if (r.method === 'POST' && /^\/v2\/email\/outbound-emails\/?$/.test(path)) {
      const b = json(r);
      const checks: Check[] = [];
      const identity =
        (b.FromEmailAddressIdentityArn as string | undefined) ??
        (typeof b.FromEmailAddress === 'string' ? sesIdentityArnOf(b.FromEmailAddress, ctx) : undefined);
      checks.push({ action: 'ses:SendEmail', resource: identity ?? '*' });
      if (typeof b.ConfigurationSetName === 'string')
        checks.push({
          action: 'ses:SendEmail',
          resource: arnOf(ctx, 'ses', `configuration-set/${b.ConfigurationSetName}`),
        });
      return checks;
    }
    if (r.method === 'POST' && /^\/v2\/email\/outbound-bulk-emails\/?$/.test(path)) {
      const b = json(r);
      const from = b.FromEmailAddress as string | undefined;
      return [{ action: 'ses:SendBulkEmail', resource: from ? sesIdentityArnOf(from, ctx) : '*' }];
    }
    return [{ action: 'ses:Unknown', resource: '*' }];
  }
  const f = form(r);
  const op = f.get('Action') ?? '';
  const from = f.get('Source') ?? undefined;
  const identity = f.get('SourceArn') ?? (from ? sesIdentityArnOf(from, ctx) : undefined);
  return [{ action: `ses:${op}`, resource: identity ?? '*' }];
}

// --- KMS (JSON 1.1) --------------------------------------------------------------------

function kms(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const b = json(r);
  const key = (b.KeyId ?? b.SourceKeyId) as string | undefined;
  const resource = !key
    ? '*'
    : key.startsWith('arn:')
      ? key
      : arnOf(ctx, 'kms', key.startsWith('alias/') ? key : `key/${key}`);
  return [{ action: `kms:${op}`, resource }];
}

// --- Kinesis Data Streams (JSON 1.1) ---------------------------------------------------

function kinesis(r: RawRequest, ctx: RequestContext): Check[] {
  // API Gateway's `action/PutRecords` integrations may name the operation in the query.
  const op = targetOp(r) ?? new URL(r.url, 'http://x').searchParams.get('Action') ?? '';
  const b = json(r);
  const stream = (b.StreamARN ?? b.StreamName) as string | undefined;
  const resource = !stream
    ? '*'
    : stream.startsWith('arn:')
      ? stream
      : arnOf(ctx, 'kinesis', `stream/${stream}`);
  // GetRecords names only the iterator (which carries its stream): the stream when given.
  return [{ action: `kinesis:${op}`, resource }];
}

// --- Data Firehose (JSON 1.1) ----------------------------------------------------------

function firehose(r: RawRequest, ctx: RequestContext): Check[] {
  const op = targetOp(r) ?? '';
  const name = json(r).DeliveryStreamName as string | undefined;
  return [
    { action: `firehose:${op}`, resource: name ? arnOf(ctx, 'firehose', `deliverystream/${name}`) : '*' },
  ];
}

/** The services the gateway understands, by SigV4 signing name. */
const SERVICES: Record<
  string,
  {
    protocol: Protocol | ((r: RawRequest) => Protocol);
    checks: (r: RawRequest, ctx: RequestContext) => Check[];
  }
> = {
  dynamodb: { protocol: 'json', checks: dynamodb },
  sqs: { protocol: (r) => (header(r, 'x-amz-target') ? 'sqs' : 'query'), checks: sqs },
  sns: { protocol: 'query', checks: sns },
  events: { protocol: 'json', checks: events },
  states: { protocol: 'json', checks: states },
  lambda: { protocol: 'rest-json', checks: lambda },
  s3: { protocol: 'rest-xml', checks: s3 },
  secretsmanager: { protocol: 'json', checks: secretsmanager },
  ssm: { protocol: 'json', checks: ssm },
  ses: {
    protocol: (r) => (new URL(r.url, 'http://x').pathname.startsWith('/v2/') ? 'rest-json' : 'query'),
    checks: ses,
  },
  kms: { protocol: 'json', checks: kms },
  kinesis: { protocol: 'json', checks: kinesis },
  firehose: { protocol: 'json', checks: firehose },
};

export const SUPPORTED_SERVICES = Object.keys(SERVICES);

/** The checks a request needs, or undefined for a service the gateway does not know. */
export function checksFor(service: string, r: RawRequest, ctx: RequestContext): Check[] | undefined {
  return SERVICES[service]?.checks(r, ctx);
}

/** The API operation a request names, for counting: `dynamodb.GetItem`, `s3.GetObject`. */
export function operationOf(service: string, r: RawRequest, checks?: Check[]): string {
  const op = targetOp(r) ?? form(r).get('Action') ?? checks?.[0]?.action.split(':')[1] ?? r.method;
  return `${service}.${op}`;
}

export function protocolOf(service: string, r: RawRequest): Protocol {
  const p = SERVICES[service]?.protocol ?? 'json';
  return typeof p === 'function' ? p(r) : p;
}
