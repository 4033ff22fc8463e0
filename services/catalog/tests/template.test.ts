/**
 * op-catalog as packaged: the S3 trigger watches imports/ only and everything the
 * pipeline writes goes elsewhere (P19: no recursive trigger), the workers are bounded and
 * their queues redrive to DLQs (P18, X5, X7, X9), every role is least privilege (X3), and
 * the exports other stacks import exist.
 */
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
  type CfnResource,
} from '@order-platform/test-support/template';

const t = loadTemplate('services/catalog');
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const text = (v: unknown) => JSON.stringify(v);

/** Statements of one function's own role. */
function statementsOf(functionName: string) {
  const [, fn] = lambdaFunction(t, functionName);
  const role = refTarget(fn.Properties!.Role);
  return iamStatements(t)
    .filter(({ owner }) => owner === role)
    .map(({ statement }) => statement)
    .filter((s) => !asArray(s.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')));
}

/** Every (action, resource) a function may use on S3. */
function s3Grants(functionName: string): { action: string; resource: string }[] {
  return statementsOf(functionName).flatMap((s) =>
    asArray(s.Action)
      .filter((a) => a.startsWith('s3:'))
      .flatMap((action) => asArray(s.Resource as unknown).map((r) => ({ action, resource: text(r) }))),
  );
}

function sqsMappingOf(functionName: string): CfnResource['Properties'] & object {
  const [id] = lambdaFunction(t, functionName);
  const found = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').find(
    ([, m]) => refTarget(m.Properties?.FunctionName) === id,
  );
  expect(found, `${functionName} has an SQS event source`).toBeDefined();
  return found![1].Properties!;
}

describe('op-catalog template', () => {
  it('P19: the bucket notifies the splitter for objects created under imports/ only', () => {
    const bucket = resource(t, 'CatalogBucket');
    const n = bucket.Properties!.NotificationConfiguration;
    expect(Object.keys(n)).toEqual(['LambdaConfigurations']);
    expect(n.LambdaConfigurations).toHaveLength(1);
    const [config] = n.LambdaConfigurations;
    expect(config.Event).toBe('s3:ObjectCreated:*');
    expect(refTarget(config.Function)).toBe(lambdaFunction(t, 'startImport')[0]);
    expect(config.Filter.S3Key.Rules).toEqual([{ Name: 'prefix', Value: 'imports/' }]);
    // S3 may invoke the splitter for this bucket only, and the permission exists first.
    const permission = resource(t, 'StartImportS3Permission').Properties!;
    expect(permission.Principal).toBe('s3.amazonaws.com');
    expect(text(permission.SourceArn)).toContain('op-catalog-dev-${AWS::AccountId}-${AWS::Region}');
    expect(bucket.DependsOn).toEqual(['StartImportS3Permission']);
    expect(text(bucket.Properties!.BucketName)).toContain('op-catalog-dev-${AWS::AccountId}-${AWS::Region}');
  });

  it('P19: reports and manifests go under results/ and work/; no function can write under imports/', () => {
    const writes = [
      'startImport',
      'importChunk',
      'finishImport',
      'listProducts',
      'getProduct',
      'priceLines',
    ].flatMap((fn) => s3Grants(fn).filter((g) => g.action !== 's3:GetObject'));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      expect(w.action).toBe('s3:PutObject');
      expect(w.resource).toMatch(/\/(results|work)\/\*"/);
    }
    expect(
      s3Grants('finishImport')
        .filter((g) => g.action === 's3:PutObject')
        .map((g) => g.resource),
    ).toEqual([expect.stringMatching(/\/results\/\*"/)]);
    // The splitter reads imports/ only; the workers and the API never touch the bucket.
    expect(s3Grants('startImport').filter((g) => g.action === 's3:GetObject')).toEqual([
      { action: 's3:GetObject', resource: expect.stringMatching(/\/imports\/\*"/) },
    ]);
    for (const fn of ['importChunk', 'listProducts', 'getProduct', 'priceLines'])
      expect(s3Grants(fn)).toEqual([]);
  });

  it('P18: workers run with bounded concurrency, one chunk per invocation, partial batch responses', () => {
    const workers = sqsMappingOf('importChunk');
    expect(refTarget(workers.EventSourceArn)).toBe('ChunksQueue');
    expect(workers.BatchSize).toBe(1);
    expect(workers.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(workers.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
    expect(workers.ScalingConfig.MaximumConcurrency).toBeLessThanOrEqual(10);
    const finaliser = sqsMappingOf('finishImport');
    expect(refTarget(finaliser.EventSourceArn)).toBe('FinalizeQueue');
    expect(finaliser.ScalingConfig.MaximumConcurrency).toBe(2);
    expect(finaliser.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it.each([
    ['ChunksQueue', 'importChunk', 'ChunksDeadLetterQueue'],
    ['FinalizeQueue', 'finishImport', 'FinalizeDeadLetterQueue'],
  ])(
    'X5: %s redrives to its DLQ after >= 5 receives, visibility >= 6x the consumer timeout',
    (queue, fn, dlq) => {
      const q = resource(t, queue).Properties!;
      const timeout = lambdaFunction(t, fn)[1].Properties!.Timeout as number;
      expect(refTarget(q.RedrivePolicy.deadLetterTargetArn)).toBe(dlq);
      expect(q.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(resource(t, dlq).Properties!.MessageRetentionPeriod).toBe(1_209_600);
    },
  );

  it('fans in through a FIFO queue (one message group per job) into a FIFO DLQ', () => {
    expect(resource(t, 'FinalizeQueue').Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
    });
    expect(resource(t, 'FinalizeDeadLetterQueue').Properties).toMatchObject({ FifoQueue: true });
  });

  it('retries the splitter twice, then keeps the S3 event in the failures queue', () => {
    const [, config] = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig')[0]!;
    expect(refTarget(config.Properties!.FunctionName)).toBe(lambdaFunction(t, 'startImport')[0]);
    expect(config.Properties!.MaximumRetryAttempts).toBe(2);
    expect(refTarget(config.Properties!.DestinationConfig.OnFailure.Destination)).toBe('ImportFailuresQueue');
  });

  it('X3: grants no wildcard on data, and each function only what it calls', () => {
    expect(wildcardStatements(t)).toEqual([]);
    const actions = (fn: string) =>
      statementsOf(fn)
        .flatMap((s) => asArray(s.Action))
        .sort();
    expect(actions('listProducts')).toEqual(['dynamodb:Query', 'dynamodb:Scan']);
    expect(text(statementsOf('listProducts')[0]!.Resource)).toContain('/index/ActiveByKind');
    expect(actions('getProduct')).toEqual(['dynamodb:GetItem']);
    expect(actions('priceLines')).toEqual(['dynamodb:BatchGetItem']);
    // The worker writes products only by BatchWriteItem and can never delete one.
    expect(actions('importChunk')).not.toContain('dynamodb:DeleteItem');
    expect(actions('importChunk')).toEqual(
      expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'sqs:SendMessage']),
    );
    const stock = statementsOf('importChunk').find((s) =>
      text(s.Resource).includes('StockAdjustmentsQueueArn'),
    );
    expect(stock?.Action).toEqual(['sqs:SendMessage']);
    expect(actions('finishImport')).toContain('events:PutEvents');
  });

  it('serves the read API without a token (browsing is public), GET only', () => {
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').map(([, m]) => m.Properties!);
    expect(methods.map((m) => [m.HttpMethod, m.AuthorizationType])).toEqual([
      ['GET', 'NONE'],
      ['GET', 'NONE'],
    ]);
  });

  it('keeps only active products in the sparse ActiveByKind index', () => {
    const table = resource(t, 'ProductsTable').Properties!;
    expect(table.KeySchema).toEqual([{ AttributeName: 'sku', KeyType: 'HASH' }]);
    expect(table.GlobalSecondaryIndexes[0]).toMatchObject({
      IndexName: 'ActiveByKind',
      KeySchema: [
        { AttributeName: 'activeKind', KeyType: 'HASH' },
        { AttributeName: 'sku', KeyType: 'RANGE' },
      ],
    });
  });

  it('exports what orders and operators import', () => {
    const exported = Object.values(t.Outputs ?? {})
      .map((o) => o.Export?.Name)
      .filter(Boolean)
      .map(text);
    for (const name of [
      'PriceLinesArn',
      'ProductsTableName',
      'ProductsTableArn',
      'CatalogBucketName',
      'ApiUrl',
    ])
      expect(exported).toContain(`"op-catalog-dev-${name}"`);
    expect(refTarget(t.Outputs!.PriceLinesArn!.Value)).toBe(lambdaFunction(t, 'priceLines')[0]);
  });
});
