import { describe, expect, it } from 'vitest';
import {
  lambdaFunction,
  loadTemplate,
  refTarget,
  resource,
  resourcesOfType,
  wildcardStatements,
} from '@order-platform/test-support/template';

const t = loadTemplate('services/inventory');
const consumerTimeout = lambdaFunction(t, 'applyAdjustments')[1].Properties!.Timeout as number;

describe('op-inventory template', () => {
  it('has a FIFO adjustments queue deduplicated by the producer id, high-throughput per SKU', () => {
    const q = resource(t, 'StockAdjustmentsQueue').Properties!;
    expect(q.FifoQueue).toBe(true);
    expect(q.QueueName).toMatch(/\.fifo$/);
    expect(q.ContentBasedDeduplication).toBe(false);
    expect(q.DeduplicationScope).toBe('messageGroup');
    expect(q.FifoThroughputLimit).toBe('perMessageGroupId');
  });

  it('redrives to a FIFO DLQ after >= 5 receives, with visibility >= 6x the consumer timeout (X5)', () => {
    const q = resource(t, 'StockAdjustmentsQueue').Properties!;
    expect(refTarget(q.RedrivePolicy.deadLetterTargetArn)).toBe('StockAdjustmentsDlq');
    expect(q.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
    const dlq = resource(t, 'StockAdjustmentsDlq').Properties!;
    expect(dlq.FifoQueue).toBe(true);
    expect(dlq.MessageRetentionPeriod).toBeGreaterThan(q.MessageRetentionPeriod);
  });

  it('triggers the consumer from the FIFO queue with partial batch responses (X7)', () => {
    const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const m = mappings[0]![1].Properties!;
    expect(refTarget(m.EventSourceArn)).toBe('StockAdjustmentsQueue');
    expect(refTarget(m.FunctionName)).toBe('ApplyAdjustmentsLambdaFunction');
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.BatchSize).toBeLessThanOrEqual(10);
  });

  it('grants no wildcard on data (X3) and each function only what it calls', () => {
    expect(wildcardStatements(t)).toEqual([]);
    const actionsOf = (fn: string) => {
      const role = resource(t, `${fn.charAt(0).toUpperCase()}${fn.slice(1)}IamRoleLambdaExecution`);
      return role
        .Properties!.Policies[0].PolicyDocument.Statement.flatMap(
          (s: { Action: string | string[] }) => s.Action,
        )
        .filter((a: string) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    };
    expect(actionsOf('reserveStock').sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOf('releaseStock').sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOf('getStock')).toEqual(['dynamodb:BatchGetItem']);
    expect(actionsOf('applyAdjustments').sort()).toEqual([
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
  });

  it('exports the internal API function ARNs for the saga and other callers', () => {
    const exported = (name: string) => t.Outputs?.[name];
    for (const [output, fn] of [
      ['ReserveStockArn', 'ReserveStockLambdaFunction'],
      ['ReleaseStockArn', 'ReleaseStockLambdaFunction'],
      ['GetStockArn', 'GetStockLambdaFunction'],
    ] as const) {
      expect(refTarget(exported(output)!.Value)).toBe(fn);
      expect(exported(output)!.Export!.Name).toBe(`op-inventory-dev-${output}`);
    }
    expect(exported('StockAdjustmentsQueueUrl')!.Export!.Name).toBe(
      'op-inventory-dev-StockAdjustmentsQueueUrl',
    );
  });

  it('keeps the internal API functions off HTTP and short', () => {
    expect(resourcesOfType(t, 'AWS::ApiGateway::RestApi')).toEqual([]);
    for (const fn of ['reserveStock', 'releaseStock', 'getStock']) {
      expect(lambdaFunction(t, fn)[1].Properties!.Timeout).toBeLessThanOrEqual(5);
    }
  });
});
