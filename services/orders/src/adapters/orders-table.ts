/**
 * DynamoDB adapter for the orders table (single-table design).
 *
 * | item          | PK                          | SK          | GSI1PK              | GSI1SK               |
 * |---------------|-----------------------------|-------------|---------------------|----------------------|
 * | order         | ORDER#<orderId>             | ORDER       | CUSTOMER#<customer> | <createdAt>#<orderId> |
 * | idempotency   | IDEMPOTENCY#<customer>#<key>| IDEMPOTENCY |                     |                      |
 *
 * Access patterns: get an order by id (GetItem), list a customer's orders newest first
 * (Query GSI1, paginated), create an order exactly once per Idempotency-Key
 * (TransactWriteItems: order + key), cancel only from cancellable states (conditional
 * UpdateItem).
 */
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '@order-platform/shared/errors';
import { orderIdSchema } from '@order-platform/shared/events/orders';
import { decodeCursorKey } from '@order-platform/shared/pagination';
import { CANCELLABLE_STATUSES, type Order, type OrderView } from '../domain/order';
import type { CancelOrder, GetOrder, ListCustomerOrders, SaveNewOrder } from '../domain/ports';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const orderKey = (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' });

export function toItem(order: Order): Record<string, unknown> {
  return {
    ...orderKey(order.orderId),
    entity: 'Order',
    GSI1PK: `CUSTOMER#${order.customerId}`,
    GSI1SK: `${order.createdAt}#${order.orderId}`,
    ...order,
  };
}

/** Reads an order item (from GetItem, Query or a stream image); undefined for other entities. */
export function fromItem(item: Record<string, unknown> | undefined): Order | undefined {
  if (!item || item.entity !== 'Order') return undefined;
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, ...order } = item;
  return order as unknown as Order;
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function buildSaveNewOrder(
  doc: DynamoDBDocumentClient,
  table: string,
  now: () => number = Date.now,
): SaveNewOrder {
  return async (order, idempotency) => {
    const putOrder = {
      Put: { TableName: table, Item: toItem(order), ConditionExpression: 'attribute_not_exists(PK)' },
    };
    if (!idempotency) {
      await doc.send(new TransactWriteCommand({ TransactItems: [putOrder] }));
      return { created: true, order };
    }
    const key = { PK: `IDEMPOTENCY#${idempotency.key}`, SK: 'IDEMPOTENCY' };
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            putOrder,
            {
              Put: {
                TableName: table,
                Item: {
                  ...key,
                  entity: 'Idempotency',
                  orderId: order.orderId,
                  fingerprint: idempotency.fingerprint,
                  response: idempotency.response,
                  expiresAt: Math.floor(now() / 1000) + IDEMPOTENCY_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return { created: true, order };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const existing = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      if (!existing.Item) throw error;
      return {
        created: false,
        firstResponse: existing.Item.response as OrderView,
        fingerprint: existing.Item.fingerprint as string,
      };
    }
  };
}

export function buildGetOrder(doc: DynamoDBDocumentClient, table: string): GetOrder {
  return async (orderId) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: orderKey(orderId) }));
    return fromItem(out.Item);
  };
}

interface Cursor {
  PK: string;
  SK: string;
  GSI1PK: string;
  GSI1SK: string;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Only a cursor this endpoint gave out for this customer (else 400 naming `cursor`). */
function decodeCursor(cursor: string, customerId: string): Cursor {
  const orderOf = (pk: string) => pk.slice('ORDER#'.length);
  const key = decodeCursorKey(cursor, {
    PK: (v) => v.startsWith('ORDER#') && orderIdSchema.safeParse(orderOf(v)).success,
    SK: (v) => v === 'ORDER',
    GSI1PK: (v) => v === `CUSTOMER#${customerId}`,
    GSI1SK: (v) => v.length <= 64 && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#ord_/.test(v),
  });
  // The index key names the same order as the table key (as every item's does).
  if (key && key.GSI1SK!.endsWith(`#${orderOf(key.PK!)}`)) return key as unknown as Cursor;
  throw new ValidationError('Invalid pagination cursor', [
    { path: 'cursor', message: 'not a cursor returned by this endpoint' },
  ]);
}

export function buildListCustomerOrders(doc: DynamoDBDocumentClient, table: string): ListCustomerOrders {
  return async (customerId, { limit, cursor }) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, customerId) } : {}),
      }),
    );
    const orders = (out.Items ?? []).map(fromItem).filter((o): o is Order => o !== undefined);
    return { orders, ...(out.LastEvaluatedKey ? { nextCursor: encodeCursor(out.LastEvaluatedKey) } : {}) };
  };
}

export function buildCancelOrder(doc: DynamoDBDocumentClient, table: string): CancelOrder {
  return async (orderId, reason, correlationId, now) => {
    const values: Record<string, unknown> = {
      ':cancelled': 'CANCELLED',
      ':reason': reason,
      ':now': now.toISOString(),
      ':one': 1,
      ':cid': correlationId,
    };
    CANCELLABLE_STATUSES.forEach((s, i) => (values[`:s${i}`] = s));
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: orderKey(orderId),
          UpdateExpression:
            'SET #status = :cancelled, statusReason = :reason, updatedAt = :now, correlationId = :cid ADD version :one',
          ConditionExpression: `attribute_exists(PK) AND #status IN (${CANCELLABLE_STATUSES.map((_, i) => `:s${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { cancelled: true, order: fromItem(out.Attributes)! };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item ? fromItem(unmarshallSafe(error.Item)) : undefined;
        return { cancelled: false, ...(current ? { current } : {}) };
      }
      throw error;
    }
  };
}

// ConditionalCheckFailedException carries the old item in wire (AttributeValue) form.
function unmarshallSafe(item: Record<string, unknown>): Record<string, unknown> {
  return unmarshall(item as Parameters<typeof unmarshall>[0]);
}
