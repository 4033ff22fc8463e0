/**
 * DynamoDB adapter for the inventory table (single-table design).
 *
 * | item         | PK                     | SK                   | attributes                                       |
 * |--------------|------------------------|----------------------|--------------------------------------------------|
 * | stock        | SKU#<sku>              | STOCK                | sku, available, reserved, version, updatedAt      |
 * | adjustment   | SKU#<sku>              | ADJUSTMENT#<adjId>   | applied marker, expiresAt (TTL, 30 days)          |
 * | reservation  | RESERVATION#<orderId>  | RESERVATION          | orderId, lines, status RESERVED/RELEASED, times   |
 *
 * Every stock change is a conditional write: a reserve is one TransactWriteItems (the
 * reservation item, created only if absent, plus one `available >= qty` update per SKU),
 * a release is one transaction guarded by `status = RESERVED`, and an adjustment writes
 * its marker (only if absent) in the same transaction as the stock change, next to the
 * SKU it belongs to.
 */
import {
  TransactionCanceledException,
  type CancellationReason,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Shortage } from '../domain/errors';
import type {
  ApplyAdjustment,
  CommitRelease,
  GetStockLevels,
  LoadReservation,
  SetStock,
  TryReserve,
  WriteReleaseTombstone,
} from '../domain/ports';
import type { Reservation, StockLevel, StockLine } from '../domain/stock';

/** Adjustment markers outlive SQS's 14-day maximum retention, so any redelivery finds its marker. */
export const ADJUSTMENT_MARKER_TTL_SECONDS = 30 * 24 * 60 * 60;

export const skuKey = (sku: string) => ({ PK: `SKU#${sku}`, SK: 'STOCK' });
export const reservationKey = (orderId: string) => ({ PK: `RESERVATION#${orderId}`, SK: 'RESERVATION' });
export const adjustmentKey = (sku: string, adjustmentId: string) => ({
  PK: `SKU#${sku}`,
  SK: `ADJUSTMENT#${adjustmentId}`,
});

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

type Item = Record<string, unknown>;

function reservationFrom(item: Item | undefined): Reservation | undefined {
  if (!item || item.entity !== 'Reservation') return undefined;
  return {
    orderId: item.orderId as string,
    lines: (item.lines as StockLine[] | undefined) ?? [],
    status: item.status as Reservation['status'],
    ...(item.reservedAt ? { reservedAt: item.reservedAt as string } : {}),
    ...(item.releasedAt ? { releasedAt: item.releasedAt as string } : {}),
  };
}

function stockFrom(item: Item): StockLevel {
  return {
    sku: item.sku as string,
    available: Number(item.available ?? 0),
    reserved: Number(item.reserved ?? 0),
    version: Number(item.version ?? 0),
    known: true,
  };
}

const reasonsOf = (error: TransactionCanceledException): CancellationReason[] =>
  error.CancellationReasons ?? [];
const failed = (r: CancellationReason | undefined) => r?.Code === 'ConditionalCheckFailed';
const conflicted = (reasons: CancellationReason[]) => reasons.some((r) => r.Code === 'TransactionConflict');
/** The old item a failed condition returns (ReturnValuesOnConditionCheckFailure), in wire form. */
const oldItem = (r: CancellationReason | undefined): Item | undefined =>
  r?.Item ? unmarshall(r.Item as Parameters<typeof unmarshall>[0]) : undefined;

export function buildTryReserve(doc: DynamoDBDocumentClient, table: string): TryReserve {
  return async (orderId, lines, now) => {
    const reservation: Reservation = { orderId, lines, status: 'RESERVED', reservedAt: now };
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { ...reservationKey(orderId), entity: 'Reservation', ...reservation },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...lines.map((line) => ({
              Update: {
                TableName: table,
                Key: skuKey(line.sku),
                UpdateExpression:
                  'SET available = available - :q, reserved = reserved + :q, updatedAt = :now ADD version :one',
                // Never below zero; also false for a SKU that has no stock item at all.
                ConditionExpression: 'available >= :q',
                ExpressionAttributeValues: { ':q': line.quantity, ':now': now, ':one': 1 },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            })),
          ],
        }),
      );
      return { kind: 'reserved', reservation };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = reasonsOf(error);
      if (failed(reasons[0])) return { kind: 'exists' };
      const shortages: Shortage[] = [];
      lines.forEach((line, i) => {
        const reason = reasons[i + 1];
        if (failed(reason))
          shortages.push({
            sku: line.sku,
            requested: line.quantity,
            available: Number(oldItem(reason)?.available ?? 0),
          });
      });
      if (shortages.length) return { kind: 'insufficient', shortages };
      if (conflicted(reasons)) return { kind: 'conflict' };
      throw error;
    }
  };
}

export function buildLoadReservation(doc: DynamoDBDocumentClient, table: string): LoadReservation {
  return async (orderId) => {
    const out = await doc.send(
      new GetCommand({ TableName: table, Key: reservationKey(orderId), ConsistentRead: true }),
    );
    return reservationFrom(out.Item);
  };
}

export function buildCommitRelease(doc: DynamoDBDocumentClient, table: string): CommitRelease {
  return async (reservation, now) => {
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: reservationKey(reservation.orderId),
                UpdateExpression: 'SET #status = :released, releasedAt = :now',
                ConditionExpression: '#status = :reserved',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED', ':now': now },
              },
            },
            ...reservation.lines.map((line) => ({
              Update: {
                TableName: table,
                Key: skuKey(line.sku),
                UpdateExpression:
                  'SET available = available + :q, reserved = reserved - :q, updatedAt = :now ADD version :one',
                ConditionExpression: 'reserved >= :q',
                ExpressionAttributeValues: { ':q': line.quantity, ':now': now, ':one': 1 },
              },
            })),
          ],
        }),
      );
      return 'released';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = reasonsOf(error);
      if (failed(reasons[0])) return 'changed';
      if (conflicted(reasons)) return 'conflict';
      // `reserved >= q` failing means the table no longer matches the reservation: a bug
      // or a manual edit. Surface it rather than guess.
      throw error;
    }
  };
}

export function buildWriteReleaseTombstone(
  doc: DynamoDBDocumentClient,
  table: string,
): WriteReleaseTombstone {
  return async (orderId, now) => {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...reservationKey(orderId),
            entity: 'Reservation',
            orderId,
            lines: [],
            status: 'RELEASED',
            releasedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'written';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'exists';
      throw error;
    }
  };
}

export function buildGetStockLevels(doc: DynamoDBDocumentClient, table: string): GetStockLevels {
  return async (skus) => {
    if (skus.length === 0) return [];
    let keys: Item[] = skus.map(skuKey);
    const found: StockLevel[] = [];
    // BatchGet may return some keys as unprocessed under load; ask again for those.
    for (let attempt = 0; keys.length && attempt < 5; attempt++) {
      const out = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
      for (const item of out.Responses?.[table] ?? []) found.push(stockFrom(item));
      keys = (out.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
    if (keys.length) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
    return found;
  };
}

export function buildApplyAdjustment(doc: DynamoDBDocumentClient, table: string): ApplyAdjustment {
  return async (adjustment, now) => {
    const { adjustmentId, sku, delta, setTo, reason, occurredAt } = adjustment;
    const values: Item = { ':zero': 0, ':one': 1, ':now': now, ':adj': adjustmentId, ':at': occurredAt };
    let update: string;
    let condition: string | undefined;
    if (setTo !== undefined) {
      update = 'SET available = :to, reserved = if_not_exists(reserved, :zero)';
      values[':to'] = setTo;
    } else {
      update =
        'SET available = if_not_exists(available, :zero) + :delta, reserved = if_not_exists(reserved, :zero)';
      values[':delta'] = delta;
      if (delta! < 0) {
        condition = 'available >= :need';
        values[':need'] = -delta!;
      }
    }
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: {
                  ...adjustmentKey(sku, adjustmentId),
                  entity: 'Adjustment',
                  adjustmentId,
                  sku,
                  reason,
                  occurredAt,
                  appliedAt: now,
                  ...(delta !== undefined ? { delta } : { setTo }),
                  expiresAt: Math.floor(Date.parse(now) / 1000) + ADJUSTMENT_MARKER_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: table,
                Key: skuKey(sku),
                UpdateExpression: `${update}, sku = :sku, updatedAt = :now, lastAdjustmentId = :adj, lastAdjustmentAt = :at ADD version :one`,
                ...(condition ? { ConditionExpression: condition } : {}),
                ExpressionAttributeValues: { ...values, ':sku': sku },
              },
            },
          ],
        }),
      );
      return 'applied';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = reasonsOf(error);
      if (failed(reasons[0])) return 'duplicate';
      if (failed(reasons[1])) return 'would-go-negative';
      throw error; // TransactionConflict or other: let SQS redeliver
    }
  };
}

/** Demo seeding: sets a SKU's sellable quantity, creating the item if needed. */
export function buildSetStock(doc: DynamoDBDocumentClient, table: string): SetStock {
  return async (sku, available, now) => {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: skuKey(sku),
        UpdateExpression:
          'SET sku = :sku, available = :a, reserved = if_not_exists(reserved, :zero), updatedAt = :now ADD version :one',
        ExpressionAttributeValues: { ':sku': sku, ':a': available, ':zero': 0, ':now': now, ':one': 1 },
      }),
    );
  };
}
