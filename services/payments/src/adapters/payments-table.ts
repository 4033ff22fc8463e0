/**
 * DynamoDB adapter for the payments table (single-table design): one partition per order.
 *
 * | item   | PK               | SK                  |
 * |--------|------------------|---------------------|
 * | charge | ORDER#<orderId>  | CHARGE              |
 * | refund | ORDER#<orderId>  | REFUND#<key>        |
 *
 * A refund item is keyed by the provider Idempotency-Key it was asked under
 * (`refund-<paymentId>` for a whole capture), so the saga's compensation and the
 * reconciler asking for the same refund find the same item. "Every charge of an order
 * that did not complete is refunded exactly once" reads off one Query.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ChargeRecord, PaymentsStore, RefundRecord, RefundStatus } from '../domain/ports';
import { isConditionFailure } from './dynamo';

const pk = (orderId: string) => `ORDER#${orderId}`;
const chargeKey = (orderId: string) => ({ PK: pk(orderId), SK: 'CHARGE' });
const refundItemKey = (orderId: string, key: string) => ({ PK: pk(orderId), SK: `REFUND#${key}` });

type Item = Record<string, unknown>;

/** The statuses a refund may move to each status from. */
const REFUND_MAY_COME_FROM: Record<RefundStatus, RefundStatus[]> = {
  REQUESTED: [],
  ACCEPTED: ['REQUESTED'],
  NOT_REFUNDABLE: ['REQUESTED'],
  SUCCEEDED: ['REQUESTED', 'ACCEPTED'],
};
const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const { PK: _p, SK: _s, entity: _e, ...rest } = item;
  return rest as T;
};

async function putIfAbsent(doc: DynamoDBDocumentClient, table: string, item: Item): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export function buildPaymentsStore(doc: DynamoDBDocumentClient, table: string): PaymentsStore {
  /** Adds one to a call counter of a charge still REQUESTED; the record after it, or undefined. */
  const countChargeCall = async (orderId: string, counter: 'callsStarted' | 'callsNotSent', now: string) => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: chargeKey(orderId),
          UpdateExpression: `SET updatedAt = :now ADD ${counter} :one`,
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': now, ':one': 1, ':requested': 'REQUESTED' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<ChargeRecord>(out.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  };
  return {
    async getCharge(orderId) {
      const out = await doc.send(
        new GetCommand({ TableName: table, Key: chargeKey(orderId), ConsistentRead: true }),
      );
      return strip<ChargeRecord>(out.Item);
    },
    createCharge: (record) =>
      putIfAbsent(doc, table, { ...chargeKey(record.orderId), entity: 'Charge', ...record }),
    async startChargeCall(orderId, now) {
      return countChargeCall(orderId, 'callsStarted', now);
    },
    async noteChargeCallNotSent(orderId, now) {
      await countChargeCall(orderId, 'callsNotSent', now);
    },
    async updateCharge(orderId, from, patch, now) {
      const values: Item = { ':now': now };
      from.forEach((status, i) => (values[`:f${i}`] = status));
      const sets = ['updatedAt = :now'];
      const fields = { status: '#status', paymentId: 'paymentId', declineReason: 'declineReason' } as const;
      for (const [field, name] of Object.entries(fields) as [keyof typeof fields, string][]) {
        if (patch[field] === undefined) continue;
        sets.push(`${name} = :${field}`);
        values[`:${field}`] = patch[field];
      }
      try {
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: chargeKey(orderId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `#status IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async getRefund(orderId, key) {
      const out = await doc.send(
        new GetCommand({ TableName: table, Key: refundItemKey(orderId, key), ConsistentRead: true }),
      );
      return strip<RefundRecord>(out.Item);
    },
    createRefund: (record) =>
      putIfAbsent(doc, table, {
        ...refundItemKey(record.orderId, record.idempotencyKey),
        entity: 'Refund',
        ...record,
      }),
    async updateRefund(orderId, key, patch, now) {
      // Forward only: REQUESTED -> ACCEPTED | NOT_REFUNDABLE -> SUCCEEDED; repeats are harmless.
      const from = REFUND_MAY_COME_FROM[patch.status];
      await doc
        .send(
          new UpdateCommand({
            TableName: table,
            Key: refundItemKey(orderId, key),
            UpdateExpression: `SET #status = :status, updatedAt = :now${patch.refundId ? ', refundId = :rid' : ''}`,
            ConditionExpression: `attribute_exists(PK) AND #status IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': patch.status,
              ':now': now,
              ...Object.fromEntries(from.map((f, i) => [`:f${i}`, f])),
              ...(patch.refundId ? { ':rid': patch.refundId } : {}),
            },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    },
    async listByOrder(orderId) {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': pk(orderId) },
          ConsistentRead: true,
        }),
      );
      const items = out.Items ?? [];
      return {
        charge: strip<ChargeRecord>(items.find((i) => i.SK === 'CHARGE')),
        refunds: items.filter((i) => String(i.SK).startsWith('REFUND#')).map((i) => strip<RefundRecord>(i)!),
      };
    },
  };
}
