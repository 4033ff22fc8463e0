import { describe, expect, it } from 'vitest';
import { NotYetError, evaluateConditions, resolve, type CfnTemplate, type Scope } from './cfn';
import { filterOf, matchesPattern } from './event-filter';
import { functionNameOf } from './lambda/host';
import { formatLine } from './log';
import { sesSendingIdentities } from './provision';
import { cronPattern, rateMs } from './sources';

const scope = (over: Partial<Scope> = {}): Scope => ({
  refs: new Map([['Queue', 'https://sqs/q']]),
  attrs: new Map([['Queue', { Arn: 'arn:aws:sqs:us-east-1:123456789012:q' }]]),
  exports: new Map([['op-platform-local-EventBusName', 'op-local']]),
  parameters: { Stage: 'local' },
  conditions: { IsAws: false },
  stackName: 'op-test-local',
  ...over,
});

describe('CloudFormation intrinsics, as the runner resolves them', () => {
  it('resolves Ref, GetAtt, Sub (with and without a map), Join, Split, Select, ImportValue and pseudo parameters', () => {
    // Act
    const out = resolve(
      {
        a: { Ref: 'Queue' },
        b: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        c: { 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Queue.Arn}/${!Literal}' },
        d: { 'Fn::Sub': ['${Bus}-x', { Bus: { 'Fn::ImportValue': 'op-platform-local-EventBusName' } }] },
        e: { 'Fn::Join': ['-', ['a', { Ref: 'Stage' }]] },
        f: { 'Fn::Select': [1, { 'Fn::Split': [',', 'x,y,z'] }] },
      },
      scope(),
    );

    // Assert
    expect(out).toEqual({
      a: 'https://sqs/q',
      b: 'arn:aws:sqs:us-east-1:123456789012:q',
      c: 'arn:aws:x:us-east-1:123456789012:arn:aws:sqs:us-east-1:123456789012:q/${Literal}',
      d: 'op-local-x',
      e: 'a-local',
      f: 'y',
    });
  });

  it('drops AWS::NoValue and picks the Fn::If branch of the condition', () => {
    const out = resolve(
      {
        keep: { 'Fn::If': ['IsAws', 'aws', 'emulated'] },
        gone: { 'Fn::If': ['IsAws', 1, { Ref: 'AWS::NoValue' }] },
      },
      scope(),
    );
    expect(out).toEqual({ keep: 'emulated' });
  });

  it('says "not yet" for a resource that does not exist yet, and fails loudly on an unknown import', () => {
    expect(() => resolve({ Ref: 'Later' }, scope())).toThrow(NotYetError);
    expect(() => resolve({ 'Fn::ImportValue': 'nobody-exports-this' }, scope())).toThrow(/no stack exported/);
  });

  it('evaluates conditions that use parameters and other conditions', () => {
    // Arrange
    const t: CfnTemplate = {
      Resources: {},
      Conditions: {
        IsProd: { 'Fn::And': [{ Condition: 'IsAws' }, { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }] },
        IsAws: {
          'Fn::Not': [
            {
              'Fn::Or': [
                { 'Fn::Equals': [{ Ref: 'Stage' }, 'localstack'] },
                { 'Fn::Equals': [{ Ref: 'Stage' }, 'local'] },
              ],
            },
          ],
        },
      },
    };
    const { conditions: _c, ...base } = scope();

    // Act / Assert
    expect(evaluateConditions(t, base)).toEqual({ IsAws: false, IsProd: false });
    expect(evaluateConditions(t, { ...base, parameters: { Stage: 'prod' } })).toEqual({
      IsAws: true,
      IsProd: true,
    });
  });
});

describe('event filtering (FilterCriteria)', () => {
  const record = {
    eventName: 'INSERT',
    dynamodb: { Keys: { SK: { S: 'ORDER' } }, NewImage: { total: { N: '12' } } },
  };

  it('matches exact values, prefixes, exists, anything-but and numeric ranges', () => {
    expect(matchesPattern({ dynamodb: { Keys: { SK: { S: ['ORDER'] } } } }, record)).toBe(true);
    expect(matchesPattern({ dynamodb: { Keys: { SK: { S: ['IDEMPOTENCY'] } } } }, record)).toBe(false);
    expect(matchesPattern({ eventName: [{ prefix: 'INS' }] }, record)).toBe(true);
    expect(matchesPattern({ eventName: [{ 'anything-but': ['REMOVE'] }] }, record)).toBe(true);
    expect(matchesPattern({ dynamodb: { OldImage: [{ exists: false }] } }, record)).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>', 10, '<=', 12] }] }, { n: 12 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>', 12] }] }, { n: 12 })).toBe(false);
  });

  it('passes a record when any filter matches, everything when there are none', () => {
    const f = filterOf({
      Filters: [{ Pattern: '{"eventName":["REMOVE"]}' }, { Pattern: '{"eventName":["INSERT"]}' }],
    });
    expect(f(record)).toBe(true);
    expect(f({ eventName: 'MODIFY' })).toBe(false);
    expect(filterOf(undefined)({ anything: 1 })).toBe(true);
  });
});

describe('schedules', () => {
  it('turns AWS cron and rate expressions into timers', () => {
    expect(cronPattern('cron(15 2 * * ? *)')).toBe('15 2 * * *');
    expect(cronPattern('cron(0 9 ? * 2 *)')).toBe('0 9 * * 1'); // AWS 2 = Monday
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(() => cronPattern('cron(1 2 3)')).toThrow();
  });
});

describe('function names and log lines', () => {
  it('accepts every form Lambda accepts for a function', () => {
    expect(functionNameOf('op-orders-local-createOrder')).toBe('op-orders-local-createOrder');
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:fn:live')).toBe('fn');
    expect(
      functionNameOf(
        'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:fn/invocations',
      ),
    ).toBe('fn');
  });

  it('shortens Powertools JSON to level, message and the extra keys', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Order placed',
      timestamp: 't',
      service: 'orders',
      orderId: 'ord_1',
    });
    expect(formatLine(line)).toBe('INFO Order placed orderId=ord_1');
    expect(formatLine('plain text')).toBe('plain text');
    const emf = {
      _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: 'OrderPlaced', Unit: 'Count' }] }] },
      OrderPlaced: 1,
    };
    expect(formatLine(JSON.stringify(emf))).toBe('METRIC OrderPlaced=1');
  });
});

describe('SES identities to verify locally', () => {
  it('are the identities an IAM role may send from, never a wildcard', () => {
    const role = {
      Policies: [
        {
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['ses:SendEmail'],
                Resource: 'arn:aws:ses:us-east-1:1:identity/a.example.com',
              },
              {
                Effect: 'Allow',
                Action: 'ses:SendRawEmail',
                Resource: [
                  'arn:aws:ses:us-east-1:1:identity/ops@b.example.com',
                  'arn:aws:ses:us-east-1:1:identity/*',
                ],
              },
              {
                Effect: 'Deny',
                Action: ['ses:SendEmail'],
                Resource: 'arn:aws:ses:us-east-1:1:identity/c.example.com',
              },
              {
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: 'arn:aws:sqs:us-east-1:1:identity/q',
              },
            ],
          },
        },
      ],
    };
    expect(sesSendingIdentities(role)).toEqual(['a.example.com', 'ops@b.example.com']);
    expect(sesSendingIdentities({})).toEqual([]);
  });
});
