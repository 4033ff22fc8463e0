/**
 * DynamoDB adapter for the products table.
 *
 * | attribute     | what                                                                      |
 * |---------------|---------------------------------------------------------------------------|
 * | sku (HASH)    | the product                                                               |
 * | name, kind, prices, active, version, updatedAt | the product as the API shows it            |
 * | activeKind    | = kind while the product is active, absent otherwise: the sparse index    |
 * |               | ActiveByKind (activeKind, sku) lists active products, by kind or all       |
 * | importJobId, importOutcome | what the last import did to it (a retried chunk counts the same) |
 *
 * Imports write whole items with BatchWriteItem, 25 at a time, several calls in flight,
 * unprocessed items retried with back-off and jitter (retry.ts).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '@order-platform/shared/errors';
import { skuSchema } from '@order-platform/shared/events/orders';
import { decodeCursorKey } from '@order-platform/shared/pagination';
import type {
  DeactivateProduct,
  GetProduct,
  ListProducts,
  LoadProducts,
  ScanProducts,
  WriteProducts,
} from '../domain/ports';
import { KINDS, toView, type Kind, type StoredProduct } from '../domain/product';
import { DEFAULT_RETRY, sendInGroups, type BatchStats, type RetryOptions } from './retry';

export const ACTIVE_INDEX = 'ActiveByKind';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

type Item = Record<string, unknown>;

export function toItem(p: StoredProduct): Item {
  return { ...p, ...(p.active ? { activeKind: p.kind } : {}) };
}

export function fromItem(item: Item): StoredProduct {
  const { activeKind: _activeKind, ...rest } = item;
  return rest as unknown as StoredProduct;
}

export interface WriteOptions {
  /** BatchWriteItem calls in flight at once (per worker). */
  concurrency: number;
  retry?: RetryOptions;
  stats?: BatchStats;
}

export function buildWriteProducts(
  doc: DynamoDBDocumentClient,
  table: string,
  opts: WriteOptions = { concurrency: 4 },
): WriteProducts {
  type Request = { PutRequest: { Item: Item } };
  return async (products) => {
    const requests: Request[] = products.map((p) => ({ PutRequest: { Item: toItem(p) } }));
    await sendInGroups(
      requests,
      { size: 25, concurrency: opts.concurrency, retry: opts.retry ?? DEFAULT_RETRY, stats: opts.stats },
      async (group) => {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: group } }));
        return (out.UnprocessedItems?.[table] ?? []) as Request[];
      },
    );
  };
}

export function buildLoadProducts(
  doc: DynamoDBDocumentClient,
  table: string,
  opts: { concurrency: number; retry?: RetryOptions } = { concurrency: 4 },
): LoadProducts {
  return async (skus) => {
    const found = new Map<string, StoredProduct>();
    const keys = [...new Set(skus)].map((sku) => ({ sku }));
    await sendInGroups(
      keys,
      { size: 100, concurrency: opts.concurrency, retry: opts.retry ?? DEFAULT_RETRY },
      async (group) => {
        const out = await doc.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: group, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[table] ?? []) {
          const p = fromItem(item);
          found.set(p.sku, p);
        }
        return (out.UnprocessedKeys?.[table]?.Keys ?? []) as { sku: string }[];
      },
    );
    return found;
  };
}

export function buildGetProduct(doc: DynamoDBDocumentClient, table: string): GetProduct {
  return async (sku) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { sku } }));
    return out.Item ? fromItem(out.Item) : undefined;
  };
}

// ------------------------------------------------------------------------------ listing

interface Cursor {
  k?: string;
  activeKind: string;
  sku: string;
}

function encodeCursor(key: Record<string, unknown>, kind: Kind | undefined): string {
  const cursor: Cursor = {
    activeKind: String(key.activeKind),
    sku: String(key.sku),
    ...(kind ? { k: kind } : {}),
  };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const badCursor = () =>
  new ValidationError('Invalid pagination cursor', [
    { path: 'cursor', message: 'not a cursor returned by this endpoint for this filter' },
  ]);

function decodeCursor(cursor: string, kind: Kind | undefined): { activeKind: string; sku: string } {
  const key = decodeCursorKey(
    cursor,
    {
      activeKind: (v) => (KINDS as readonly string[]).includes(v) && (kind === undefined || v === kind),
      sku: (v) => skuSchema.safeParse(v).success,
      // The filter the cursor was given out for: there exactly when the list is filtered.
      k: (v) => v === kind,
    },
    kind === undefined ? ['k'] : [],
  );
  if (!key) throw badCursor();
  return { activeKind: key.activeKind!, sku: key.sku! };
}

/**
 * Active products from the sparse index: one kind is a Query (sorted by SKU), all kinds a
 * Scan of the index (unordered). Either way a page holds exactly `limit` items when there
 * are that many: inactive products are not in the index, so nothing is filtered out.
 */
export function buildListProducts(doc: DynamoDBDocumentClient, table: string): ListProducts {
  return async ({ kind, limit, cursor }) => {
    const start = cursor ? { ExclusiveStartKey: decodeCursor(cursor, kind) } : {};
    const out = kind
      ? await doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: ACTIVE_INDEX,
            KeyConditionExpression: 'activeKind = :kind',
            ExpressionAttributeValues: { ':kind': kind },
            Limit: limit,
            ...start,
          }),
        )
      : await doc.send(
          new ScanCommand({ TableName: table, IndexName: ACTIVE_INDEX, Limit: limit, ...start }),
        );
    const items = (out.Items ?? []).map((i) => toView(fromItem(i)));
    return {
      items,
      ...(out.LastEvaluatedKey && items.length
        ? { nextCursor: encodeCursor(out.LastEvaluatedKey, kind) }
        : {}),
    };
  };
}

// ------------------------------------------------------------------------------ full-import sweep

export function buildScanProducts(doc: DynamoDBDocumentClient, table: string): ScanProducts {
  return async function* () {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          ProjectionExpression: 'sku, active, importJobId, importOutcome',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      yield (out.Items ?? []) as StoredProduct[];
      start = out.LastEvaluatedKey;
    } while (start);
  };
}

export function buildDeactivateProduct(doc: DynamoDBDocumentClient, table: string): DeactivateProduct {
  return async (sku, jobId, now) => {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { sku },
          UpdateExpression:
            'SET active = :false, version = version + :one, updatedAt = :now, importJobId = :job, importOutcome = :out REMOVE activeKind',
          ConditionExpression: 'active = :true',
          ExpressionAttributeValues: {
            ':false': false,
            ':true': true,
            ':one': 1,
            ':now': now,
            ':job': jobId,
            ':out': 'deactivated',
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };
}
