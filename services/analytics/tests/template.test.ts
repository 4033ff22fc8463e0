/**
 * The packaged CloudFormation of the analytics stack (npm run package): the clickstream
 * route reaches Kinesis with no function, every role holds only what its one job needs,
 * the Glue tables project exactly the partitions Firehose writes, and the workgroup keeps
 * its results where the stack says.
 */
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  iamStatements,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
  type CfnTemplate,
} from '@order-platform/test-support/template';
import { renderTemplate } from '../../../local/src/apigw/vtl';
import { clickstreamBatchSchema } from '../src/http/contract';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lake = require('../lake.cjs') as {
  queries: Record<string, { name: string; sql: string }>;
};

let t: CfnTemplate;
beforeAll(() => {
  t = loadTemplate('services/analytics');
});

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const destination = (id: string) => resource(t, id).Properties!.ExtendedS3DestinationConfiguration;
const processorParam = (id: string, type: string, name: string) =>
  asArray(
    destination(id).ProcessingConfiguration.Processors as {
      Type: string;
      Parameters: { ParameterName: string; ParameterValue: string }[];
    }[],
  )
    .find((p) => p.Type === type)
    ?.Parameters.find((p) => p.ParameterName === name)?.ParameterValue;

describe('POST /clickstream: API Gateway -> Kinesis, no Lambda (P22)', () => {
  it('the stack has no function and the method is an AWS integration calling PutRecords as its own role', () => {
    // Prepare
    const method = resource(t, 'ClickstreamPostMethod').Properties!;

    // Assess
    expect(resourcesOfType(t, 'AWS::Lambda::Function')).toEqual([]);
    expect(method.Integration.Type).toBe('AWS');
    expect(JSON.stringify(method.Integration.Uri)).toContain(':kinesis:action/PutRecords');
    expect(refTarget(method.Integration.Credentials)).toBe('ClickstreamApiRole');
    expect(method.Integration.PassthroughBehavior).toBe('NEVER');
  });

  it('needs an API key, validates the body against a bounded model', () => {
    // Prepare
    const method = resource(t, 'ClickstreamPostMethod').Properties!;
    const validator = resource(t, refTarget(method.RequestValidatorId)!).Properties!;
    const model = resource(t, refTarget(method.RequestModels['application/json'])!).Properties!;

    // Assess
    expect(method.ApiKeyRequired).toBe(true);
    expect(validator.ValidateRequestBody).toBe(true);
    expect(model.Schema.additionalProperties).toBe(false);
    expect(model.Schema.properties.events).toMatchObject({ minItems: 1, maxItems: 100 });
    const plan = resourcesOfType(t, 'AWS::ApiGateway::UsagePlanKey');
    expect(plan).toHaveLength(1);
    expect(refTarget(plan[0]![1].Properties!.KeyId)).toBe('ClickstreamApiKey');
  });

  it('the request template makes one record per event, keyed by the session id', () => {
    // Prepare
    const [template, vars] = resource(t, 'ClickstreamPostMethod').Properties!.Integration.RequestTemplates[
      'application/json'
    ]['Fn::Sub'];
    expect(refTarget(vars.Stream)).toBe('ClickstreamStream');
    const events = [
      { type: 'product_view', productId: 'MUG', occurredAt: '2026-12-04T10:00:00.000Z' },
      {
        type: 'checkout_step',
        step: 'order_placed',
        orderId: 'ord_01JD0000000000000000000000',
        occurredAt: '2026-12-04T10:00:01.000Z',
      },
    ];

    // Act
    const rendered = renderTemplate(String(template).replace('${Stream}', 'the-stream'), {
      body: JSON.stringify({ sessionId: 'sess_12345678', events }),
      params: { path: {}, querystring: {}, header: {} },
      context: { requestTimeEpoch: 1764842400123 },
      stageVariables: null,
    });

    // Assess
    const body = JSON.parse(rendered) as {
      StreamName: string;
      Records: { Data: string; PartitionKey: string }[];
    };
    expect(body.StreamName).toBe('the-stream');
    expect(body.Records.map((r) => r.PartitionKey)).toEqual(['sess_12345678', 'sess_12345678']);
    expect(body.Records.map((r) => JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8')))).toEqual(
      events.map((event) => ({ sessionId: 'sess_12345678', receivedAt: 1764842400123, event })),
    );
  });
});

describe('least privilege', () => {
  it('no role grants a wildcard action or resource', () => {
    expect(wildcardStatements(t)).toEqual([]);
  });

  it.each([
    ['ClickstreamApiRole', ['kinesis:PutRecords'], ['ClickstreamStream']],
    ['EventsToFirehoseRole', ['firehose:PutRecord', 'firehose:PutRecordBatch'], ['EventsDelivery']],
  ])('%s may do only %j on %j', (role, actions, targets) => {
    const statements = iamStatements(t).filter((s) => s.owner === role);
    expect(statements.flatMap((s) => asArray(s.statement.Action as string | string[])).sort()).toEqual(
      actions,
    );
    expect(statements.flatMap((s) => asArray(s.statement.Resource).map(refTarget))).toEqual(targets);
  });

  it.each([
    ['ClickstreamDeliveryRole', 'ClickstreamDelivery', 'clickstream'],
    ['EventsDeliveryRole', 'EventsDelivery', 'events'],
  ])('%s writes objects only under its own prefixes of the lake', (role, stream, prefix) => {
    // Prepare
    const statements = iamStatements(t)
      .filter((s) => s.owner === role)
      .map((s) => s.statement);
    const puts = statements.filter((s) => asArray(s.Action as string[]).includes('s3:PutObject'));

    // Assess: object writes under <prefix>/ and errors/<prefix>/ only; reads only of its stream
    expect(
      puts.flatMap((s) => asArray(s.Resource).map((r) => (r as { 'Fn::Sub': string })['Fn::Sub'])),
    ).toEqual([`\${LakeBucket.Arn}/${prefix}/*`, `\${LakeBucket.Arn}/errors/${prefix}/*`]);
    expect(destination(stream).ErrorOutputPrefix).toMatch(new RegExp(`^errors/${prefix}/`));
    expect(destination(stream).Prefix).toMatch(new RegExp(`^${prefix}/`));
    for (const s of statements.filter((s) =>
      asArray(s.Action as string[]).some((a) => a.startsWith('kinesis:')),
    ))
      expect(asArray(s.Resource).map(refTarget)).toEqual(['ClickstreamStream']);
    expect(refTarget(destination(stream).RoleARN)).toBe(role);
  });
});

describe('the data lake (P23): Firehose partitions = Glue projection', () => {
  it.each([
    ['ClickstreamDelivery', 'ClickstreamTable'],
    ['EventsDelivery', 'EventsTable'],
  ])('%s writes the partitions %s projects, from keys its JQ query extracts', (stream, table) => {
    // Prepare
    const d = destination(stream);
    const input = resource(t, table).Properties!.TableInput;
    const [, { Path }] = input.Parameters['storage.location.template']['Fn::Sub'];
    const keys = (input.PartitionKeys as { Name: string }[]).map((k) => k.Name);
    const query = processorParam(stream, 'MetadataExtraction', 'MetadataExtractionQuery')!;

    // Assess: the Firehose prefix, with Athena's ${key} for Firehose's !{partitionKeyFromQuery:key}
    expect(String(d.Prefix).replace(/!\{partitionKeyFromQuery:([^}]+)\}/g, '${$1}')).toBe(Path);
    expect([...String(d.Prefix).matchAll(/!\{partitionKeyFromQuery:([^}]+)\}/g)].map((m) => m[1])).toEqual(
      keys,
    );
    for (const k of keys) {
      expect(query).toMatch(new RegExp(`[{,]\\s*${k}:`));
      expect(input.Parameters[`projection.${k}.type`], k).toBeDefined();
    }
    expect(input.Parameters['projection.enabled']).toBe('true');
    expect(d.DynamicPartitioningConfiguration.Enabled).toBe(true);
    expect(d.CompressionFormat).toBe('GZIP');
    expect(input.Parameters.compressionType).toBe('gzip');
    expect(processorParam(stream, 'AppendDelimiterToRecord', 'Delimiter')).toBe('\\n');
    expect(refTarget(d.BucketARN)).toBe('LakeBucket');
    expect(refTarget(input.StorageDescriptor.Location['Fn::Sub'][1].Bucket)).toBe('LakeBucket');
  });

  it('no crawler: the tables are projected', () => {
    expect(resourcesOfType(t, 'AWS::Glue::Crawler')).toEqual([]);
  });

  it('every domain event of every source goes to the events stream, with a dead-letter queue', () => {
    // Prepare
    const rule = resource(t, 'EventsToLakeRule').Properties!;
    const [target] = rule.Targets;

    // Assess
    expect(rule.EventPattern).toEqual({ source: [{ prefix: 'order-platform.' }] });
    expect(refTarget(target.Arn)).toBe('EventsDelivery');
    expect(refTarget(target.RoleArn)).toBe('EventsToFirehoseRole');
    expect(refTarget(target.DeadLetterConfig.Arn)).toBe('EventsDeadLetterQueue');
    expect(resource(t, 'EventsDelivery').Properties!.DeliveryStreamType).toBe('DirectPut');
    expect(
      refTarget(
        resource(t, 'ClickstreamDelivery').Properties!.KinesisStreamSourceConfiguration.KinesisStreamARN,
      ),
    ).toBe('ClickstreamStream');
  });
});

describe('Athena', () => {
  it('the workgroup enforces its own results location', () => {
    // Prepare
    const config = resource(t, 'LakeWorkGroup').Properties!.WorkGroupConfiguration;

    // Assess
    expect(config.EnforceWorkGroupConfiguration).toBe(true);
    expect(JSON.stringify(config.ResultConfiguration.OutputLocation)).toContain('${QueryResultsBucket}');
    expect(config.BytesScannedCutoffPerQuery).toBeGreaterThan(0);
  });

  it('carries every named query of lake.cjs, in the workgroup, on the lake database', () => {
    // Prepare
    const named = resourcesOfType(t, 'AWS::Athena::NamedQuery').map(([, r]) => r.Properties!);

    // Assess
    expect(named.map((q) => q.Name).sort()).toEqual(Object.keys(lake.queries).sort());
    for (const q of named) {
      expect(refTarget(q.WorkGroup), q.Name).toBe('LakeWorkGroup');
      expect(refTarget(q.Database), q.Name).toBe('LakeDatabase');
      expect(q.QueryString).toBe(lake.queries[q.Name]!.sql);
    }
  });
});

describe('the request model and the documented contract agree', () => {
  const event = { type: 'product_view', productId: 'MUG', occurredAt: '2026-12-04T10:00:00.000Z' };
  it.each([
    ['a valid batch', { sessionId: 'sess_12345678', events: [event] }],
    [
      'a checkout step with its order',
      {
        sessionId: 'sess_12345678',
        events: [
          {
            ...event,
            type: 'checkout_step',
            step: 'order_placed',
            orderId: 'ord_01JD0000000000000000000000',
          },
        ],
      },
    ],
    ['an unknown event type', { sessionId: 'sess_12345678', events: [{ ...event, type: 'scroll' }] }],
    ['no events', { sessionId: 'sess_12345678', events: [] }],
    ['101 events', { sessionId: 'sess_12345678', events: Array.from({ length: 101 }, () => event) }],
    ['an unknown field', { sessionId: 'sess_12345678', events: [event], userAgent: 'x' }],
    ['a short session id', { sessionId: 'abc', events: [event] }],
    ['a malformed order id', { sessionId: 'sess_12345678', events: [{ ...event, orderId: 'ord_x' }] }],
  ])('%s: same verdict', (_what, body) => {
    // Prepare
    const { $schema: _draft, ...schema } = resource(t, 'ClickstreamBatchModel').Properties!.Schema;
    const validate = new Ajv({ strict: false }).compile(schema);

    // Assess
    expect(validate(body)).toBe(clickstreamBatchSchema.safeParse(body).success);
  });
});
