/**
 * DynamoDB adapter for the payments table (single-table design): one partition per order.
 *
 * | item   | PK               | SK                  |
 * |--------|------------------|---------------------|
 * | charge | ORDER#<orderId>  | CHARGE              |
 * | refund | ORDER#<orderId>  | REFUND#<paymentId>  |
 *
 * "Every charge of an order that did not complete is refunded exactly once" reads off
 * one Query: a PENDING charge has exactly one ACCEPTED refund item.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ChargeRecord, PaymentsStore, RefundRecord } from '../domain/ports';
import { isConditionFailure } from './dynamo';

const pk = (orderId: string) => `ORDER#${orderId}`;
const chargeKey = (orderId: string) => ({ PK: pk(orderId), SK: 'CHARGE' });
const refundKey = (orderId: string, paymentId: string) => ({ PK: pk(orderId), SK: `REFUND#${paymentId}` });

type Item = Record<string, unknown>;
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
  return {
    async getCharge(orderId) {
      const out = await doc.send(
        new GetCommand({ TableName: table, Key: chargeKey(orderId), ConsistentRead: true }),
      );
      return strip<ChargeRecord>(out.Item);
    },
    createCharge: (record) =>
      putIfAbsent(doc, table, { ...chargeKey(record.orderId), entity: 'Charge', ...record }),
    async updateCharge(orderId, from, patch, now) {
      const values: Item = { ':from': from, ':now': now };
      const sets = ['#status = :status', 'updatedAt = :now'];
      values[':status'] = patch.status;
      if (patch.paymentId !== undefined) {
        sets.push('paymentId = :pid');
        values[':pid'] = patch.paymentId;
      }
      if (patch.declineReason !== undefined) {
        sets.push('declineReason = :reason');
        values[':reason'] = patch.declineReason;
      }
      try {
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: chargeKey(orderId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#status = :from',
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
    async getRefund(orderId, paymentId) {
      const out = await doc.send(
        new GetCommand({ TableName: table, Key: refundKey(orderId, paymentId), ConsistentRead: true }),
      );
      return strip<RefundRecord>(out.Item);
    },
    createRefund: (record) =>
      putIfAbsent(doc, table, {
        ...refundKey(record.orderId, record.paymentId),
        entity: 'Refund',
        ...record,
      }),
    async updateRefund(orderId, paymentId, patch, now) {
      await doc
        .send(
          new UpdateCommand({
            TableName: table,
            Key: refundKey(orderId, paymentId),
            // Never move an accepted refund back; a repeat of the same update is harmless.
            UpdateExpression: `SET #status = :status, updatedAt = :now${patch.refundId ? ', refundId = :rid' : ''}`,
            ConditionExpression: 'attribute_exists(PK) AND #status <> :accepted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': patch.status,
              ':now': now,
              ':accepted': 'ACCEPTED',
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
