/**
 * The circuit breaker's shared state: one item per breaker in the breaker table,
 * written only with a version condition (optimistic concurrency), so that of several
 * containers trying the same transition exactly one succeeds.
 *
 * Why DynamoDB rather than Redis: the payments functions call a provider on the
 * internet; Redis (ElastiCache) would put them in a VPC and need a NAT gateway (a fixed
 * monthly cost, one more moving part) for what is one small item. A conditional PutItem
 * is an atomic compare-and-set, and the closed-state happy path is one read per call.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BreakerState } from '../domain/breaker';
import type { BreakerStore } from '../domain/circuit-breaker';
import { isConditionFailure } from './dynamo';

export function buildBreakerStore(doc: DynamoDBDocumentClient, table: string, name: string): BreakerStore {
  const key = { pk: `BREAKER#${name}` };
  return {
    async load({ consistent }) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: consistent }));
      if (!out.Item) return undefined;
      const { pk: _pk, version, updatedAt: _u, ...state } = out.Item;
      return { state: state as BreakerState, version: Number(version) };
    },
    async compareAndSet(next, expectedVersion) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              ...key,
              ...next,
              version: (expectedVersion ?? 0) + 1,
              updatedAt: new Date().toISOString(),
            },
            ...(expectedVersion === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': expectedVersion },
                }),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
