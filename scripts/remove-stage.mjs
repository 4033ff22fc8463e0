// The AWS half of `npm run remove` (scripts/remove-all.mjs): one stage's stacks, last
// deployed first, each stack's buckets emptied before `osls remove` (CloudFormation cannot
// delete a bucket that holds objects). Resources with DeletionPolicy Retain are kept and
// reported, or deleted after their stack when `purge` is set. Clients and the osls call
// are parameters, so tests/remove-stage.unit.test.ts can watch the order of the calls.
import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';

/**
 * @param {object} o
 * @param {{ dir: string, stackName: string, retained: Set<string> }[]} o.stacks deploy order
 * @param {{ send: Function }} o.cfn
 * @param {{ send: Function }} o.s3
 * @param {{ send: Function }} o.dynamodb
 * @param {(dir: string) => number} o.runOsls `osls remove` in the stack's folder; its exit status
 * @param {boolean} [o.purge] also delete the retained tables and buckets
 * @param {(line: string) => void} [o.log]
 * @returns {Promise<{ removed: string[], retained: string[] }>}
 */
export async function removeStage({ stacks, cfn, s3, dynamodb, runOsls, purge = false, log = () => {} }) {
  const exists = async (StackName) => {
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName }));
      return out.Stacks?.some((s) => s.StackStatus !== 'DELETE_COMPLETE') ?? false;
    } catch (e) {
      if (/does not exist/.test(String(e?.message))) return false;
      throw e;
    }
  };
  const resourcesOf = async (StackName) => {
    const all = [];
    let NextToken;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName, NextToken }));
      all.push(...(page.StackResourceSummaries ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  };
  const emptyBucket = async (Bucket) => {
    let removed = 0;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 1000 }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key,
        ...(v.VersionId && v.VersionId !== 'null' ? { VersionId: v.VersionId } : {}),
      }));
      if (objects.length === 0) return removed;
      await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects, Quiet: true } }));
      removed += objects.length;
    }
  };

  const removed = [];
  const retained = [];
  for (const { dir, stackName, retained: kept } of [...stacks].reverse()) {
    if (!(await exists(stackName))) {
      log(`== ${stackName}: not deployed, skipped`);
      continue;
    }
    log(`== removing ${stackName}`);
    const own = await resourcesOf(stackName);
    for (const b of own.filter((r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId)) {
      if (kept.has(b.LogicalResourceId) && !purge) continue;
      log(
        `emptied ${b.PhysicalResourceId} (${await emptyBucket(b.PhysicalResourceId)} objects and versions)`,
      );
    }
    const status = runOsls(dir);
    if (status !== 0)
      throw new Error(
        `removing ${stackName} failed (osls exit ${status}); earlier stacks are still imported by it`,
      );
    removed.push(stackName);
    for (const k of own.filter((r) => kept.has(r.LogicalResourceId) && r.PhysicalResourceId)) {
      const what = `${stackName} ${k.LogicalResourceId} (${k.ResourceType}): ${k.PhysicalResourceId}`;
      if (purge && k.ResourceType === 'AWS::S3::Bucket') {
        await s3.send(new DeleteBucketCommand({ Bucket: k.PhysicalResourceId }));
        log(`deleted retained ${what}`);
      } else if (purge && k.ResourceType === 'AWS::DynamoDB::Table') {
        await dynamodb.send(new DeleteTableCommand({ TableName: k.PhysicalResourceId }));
        log(`deleted retained ${what}`);
      } else retained.push(what);
    }
  }
  return { removed, retained };
}
