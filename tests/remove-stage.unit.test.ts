/**
 * npm run remove against AWS (scripts/remove-stage.mjs), with fake clients that hold a
 * small account: stacks go last-deployed first, a stack's buckets are emptied before its
 * `osls remove`, retained resources are reported (or deleted with purge), and a stack
 * that is not deployed is skipped.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without types
import { removeStage } from '../scripts/remove-stage.mjs';

type Command = { constructor: { name: string }; input: Record<string, unknown> };
type Resource = { LogicalResourceId: string; ResourceType: string; PhysicalResourceId: string };

function account(deployed: Record<string, Resource[]>, objects: Record<string, string[]>) {
  const calls: string[] = [];
  const send = (service: string) => async (cmd: Command) => {
    const name = cmd.constructor.name.replace(/Command$/, '');
    const { input } = cmd;
    calls.push(`${service}:${name}:${String(input.StackName ?? input.Bucket ?? input.TableName ?? '')}`);
    if (name === 'DescribeStacks') {
      if (!deployed[String(input.StackName)])
        throw new Error(`Stack with id ${String(input.StackName)} does not exist`);
      return { Stacks: [{ StackStatus: 'UPDATE_COMPLETE' }] };
    }
    if (name === 'ListStackResources') return { StackResourceSummaries: deployed[String(input.StackName)] };
    if (name === 'ListObjectVersions')
      return { Versions: (objects[String(input.Bucket)] ?? []).map((Key) => ({ Key, VersionId: 'v1' })) };
    if (name === 'DeleteObjects') objects[String(input.Bucket)] = [];
    return {};
  };
  return {
    calls,
    cfn: { send: send('cfn') },
    s3: { send: send('s3') },
    dynamodb: { send: send('dynamodb') },
  };
}

const stacks = [
  { dir: '.', stackName: 'op-platform-prod', retained: new Set<string>() },
  { dir: 'services/orders', stackName: 'op-orders-prod', retained: new Set(['OrdersTable']) },
  { dir: 'services/invoicing', stackName: 'op-invoicing-prod', retained: new Set(['InvoicesBucket']) },
  { dir: 'services/reporting', stackName: 'op-reporting-prod', retained: new Set<string>() },
];
const deployed = () => ({
  'op-platform-prod': [],
  'op-orders-prod': [
    {
      LogicalResourceId: 'OrdersTable',
      ResourceType: 'AWS::DynamoDB::Table',
      PhysicalResourceId: 'orders-t',
    },
  ],
  'op-invoicing-prod': [
    {
      LogicalResourceId: 'InvoicesBucket',
      ResourceType: 'AWS::S3::Bucket',
      PhysicalResourceId: 'invoices-b',
    },
    {
      LogicalResourceId: 'ServerlessDeploymentBucket',
      ResourceType: 'AWS::S3::Bucket',
      PhysicalResourceId: 'deploy-b',
    },
  ],
});

describe('removeStage', () => {
  it('removes last-deployed first, emptying a stack’s buckets before its osls remove, and keeps what is retained', async () => {
    const a = account(deployed(), { 'invoices-b': ['inv/1.pdf'], 'deploy-b': ['x.zip', 'y.zip'] });
    const osls: string[] = [];
    const out = await removeStage({
      stacks,
      ...a,
      runOsls: (dir: string) => {
        a.calls.push(`osls:remove:${dir}`);
        osls.push(dir);
        return 0;
      },
    });
    expect(osls).toEqual(['services/invoicing', 'services/orders', '.']);
    expect(out.removed).toEqual(['op-invoicing-prod', 'op-orders-prod', 'op-platform-prod']);
    // The deployment bucket is emptied before the stack goes; the retained invoice bucket is untouched.
    expect(a.calls.indexOf('s3:DeleteObjects:deploy-b')).toBeLessThan(
      a.calls.indexOf('osls:remove:services/invoicing'),
    );
    expect(a.calls.filter((c) => c.includes('invoices-b'))).toEqual([]);
    expect(a.calls.some((c) => c.startsWith('dynamodb:'))).toBe(false);
    expect(out.retained).toEqual([
      'op-invoicing-prod InvoicesBucket (AWS::S3::Bucket): invoices-b',
      'op-orders-prod OrdersTable (AWS::DynamoDB::Table): orders-t',
    ]);
  });

  it('with purge, empties and deletes the retained buckets and tables after their stack', async () => {
    const a = account(deployed(), { 'invoices-b': ['inv/1.pdf'] });
    const out = await removeStage({
      stacks,
      ...a,
      purge: true,
      runOsls: (dir: string) => (a.calls.push(`osls:remove:${dir}`), 0),
    });
    expect(out.retained).toEqual([]);
    const at = (c: string) => a.calls.indexOf(c);
    expect(at('s3:DeleteObjects:invoices-b')).toBeLessThan(at('osls:remove:services/invoicing'));
    expect(at('s3:DeleteBucket:invoices-b')).toBeGreaterThan(at('osls:remove:services/invoicing'));
    expect(at('dynamodb:DeleteTable:orders-t')).toBeGreaterThan(at('osls:remove:services/orders'));
  });

  it('stops at the first stack osls cannot remove: earlier stacks are still imported by it', async () => {
    const a = account(deployed(), {});
    const tried: string[] = [];
    await expect(
      removeStage({
        stacks,
        ...a,
        runOsls: (dir: string) => (tried.push(dir), dir === 'services/orders' ? 1 : 0),
      }),
    ).rejects.toThrow(/op-orders-prod failed/);
    expect(tried).toEqual(['services/invoicing', 'services/orders']);
  });
});
