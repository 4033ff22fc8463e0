/**
 * The fulfilment table: one item per order line (`ORDER#<orderId>` / `LINE#<nnn>`) and
 * one per gift card (`GIFTCARD#<sha256>` / `CARD`). Every write is conditional, so a
 * redelivered command or event changes nothing twice (X1).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { shipmentRank, type FulfilLineV1 } from '../domain/fulfilment';
import type { FulfilmentStore, StoredLine } from '../domain/ports';

export const documentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

const orderPk = (orderId: string) => `ORDER#${orderId}`;
const lineSk = (lineNo: number) => `LINE#${String(lineNo).padStart(3, '0')}`;
const cardPk = (hash: string) => `GIFTCARD#${hash}`;

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException';

export function buildFulfilmentStore(doc: DynamoDBDocumentClient, table: string): FulfilmentStore {
  const key = (orderId: string, lineNo: number) => ({ pk: orderPk(orderId), sk: lineSk(lineNo) });

  const finish = async (line: FulfilLineV1, set: Record<string, unknown>, now: Date) => {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':processing': 'processing', ':now': now.toISOString() };
    const parts = ['updatedAt = :now'];
    for (const [k, v] of Object.entries(set)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      parts.push(`#${k} = :${k}`);
    }
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: key(line.orderId, line.lineNo),
        // A line fulfilled at last drops the note of an earlier failed attempt.
        UpdateExpression: `SET ${parts.join(', ')} REMOVE lastError`,
        ConditionExpression: '#status = :processing',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  };

  return {
    async claim(line, now) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              ...key(line.orderId, line.lineNo),
              orderId: line.orderId,
              customerId: line.customerId,
              lineNo: line.lineNo,
              sku: line.sku,
              kind: line.kind,
              quantity: line.quantity,
              status: 'processing',
              createdAt: now.toISOString(),
              updatedAt: now.toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'claimed';
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key(line.orderId, line.lineNo),
          UpdateExpression: 'ADD duplicates :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes?.status === 'processing' ? 'resume' : 'done';
    },

    shipmentBooked: (line, shipment, now) =>
      finish(line, { status: 'booked', progress: shipmentRank('booked'), ...shipment }, now),

    downloadReady: (line, fileKey, now) => finish(line, { status: 'ready', fileKey }, now),

    async giftCardIssued(line, code, now) {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: {
                  pk: cardPk(code.hash),
                  sk: 'CARD',
                  orderId: line.orderId,
                  lineNo: line.lineNo,
                  amount: line.unitPrice * line.quantity,
                  currency: line.currency,
                  issuedAt: now.toISOString(),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: table,
                Key: key(line.orderId, line.lineNo),
                UpdateExpression:
                  'SET #status = :issued, codeLast4 = :last4, pendingCode = :code, updatedAt = :now REMOVE lastError',
                ConditionExpression: '#status = :processing',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':issued': 'issued',
                  ':processing': 'processing',
                  ':last4': code.plain.slice(-4),
                  ':code': code.plain,
                  ':now': now.toISOString(),
                },
              },
            },
          ],
        }),
      );
    },

    async shipmentUpdated(orderId, trackingNumber, status, occurredAt) {
      const lines = await this.lines(orderId);
      const line = lines.find((l) => l.shipment?.trackingNumber === trackingNumber);
      if (!line) return false;
      try {
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(orderId, line.lineNo),
            UpdateExpression: 'SET #status = :status, progress = :rank, updatedAt = :at',
            ConditionExpression: 'trackingNumber = :tn AND progress < :rank',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ':rank': shipmentRank(status),
              ':tn': trackingNumber,
              ':at': occurredAt,
            },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },

    async attemptFailed(line, reason, now) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(line.orderId, line.lineNo),
            UpdateExpression: 'SET lastError = :reason, updatedAt = :now',
            ConditionExpression: '#status = :processing',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':reason': reason.slice(0, 500),
              ':now': now.toISOString(),
              ':processing': 'processing',
            },
          }),
        );
      } catch (e) {
        // Fulfilled in the meantime (a concurrent attempt): nothing to note.
        if (!isConditionFailure(e)) throw e;
      }
    },

    async lines(orderId) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': orderPk(orderId) },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items.map(toStoredLine);
    },

    async revealCode(orderId, lineNo, now) {
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(orderId, lineNo),
            UpdateExpression: 'REMOVE pendingCode SET revealedAt = :now',
            ConditionExpression: 'attribute_exists(pendingCode)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return out.Attributes?.pendingCode as string | undefined;
      } catch (e) {
        if (isConditionFailure(e)) return undefined;
        throw e;
      }
    },

    async redeem(hash, customerId, now) {
      const card = await doc.send(
        new GetCommand({ TableName: table, Key: { pk: cardPk(hash), sk: 'CARD' }, ConsistentRead: true }),
      );
      if (!card.Item) return { outcome: 'unknown' };
      const { orderId, lineNo, amount, currency } = card.Item as {
        orderId: string;
        lineNo: number;
        amount: number;
        currency: string;
      };
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: table,
                  Key: { pk: cardPk(hash), sk: 'CARD' },
                  UpdateExpression: 'SET redeemedAt = :now, redeemedBy = :by',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(redeemedAt)',
                  ExpressionAttributeValues: { ':now': now.toISOString(), ':by': customerId },
                },
              },
              {
                Update: {
                  TableName: table,
                  Key: key(orderId, lineNo),
                  UpdateExpression: 'SET #status = :redeemed, redeemedAt = :now, updatedAt = :now',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':redeemed': 'redeemed', ':now': now.toISOString() },
                },
              },
            ],
          }),
        );
        return { outcome: 'redeemed', orderId, lineNo, amount, currency };
      } catch (e) {
        if ((e as Error).name !== 'TransactionCanceledException') throw e;
        const again = await doc.send(
          new GetCommand({ TableName: table, Key: { pk: cardPk(hash), sk: 'CARD' }, ConsistentRead: true }),
        );
        const redeemedAt = again.Item?.redeemedAt as string | undefined;
        if (redeemedAt) return { outcome: 'already', redeemedAt };
        throw e;
      }
    },
  };
}

function toStoredLine(item: Record<string, unknown>): StoredLine {
  const s = item as unknown as StoredLine & { carrier?: string; trackingNumber?: string };
  return {
    orderId: s.orderId,
    customerId: s.customerId,
    lineNo: s.lineNo,
    sku: s.sku,
    kind: s.kind,
    quantity: s.quantity,
    status: s.status,
    updatedAt: s.updatedAt,
    ...(s.trackingNumber ? { shipment: { carrier: s.carrier ?? '', trackingNumber: s.trackingNumber } } : {}),
    ...(s.fileKey ? { fileKey: s.fileKey } : {}),
    ...(s.codeLast4 ? { codeLast4: s.codeLast4 } : {}),
    ...(s.pendingCode ? { pendingCode: s.pendingCode } : {}),
    ...(s.redeemedAt ? { redeemedAt: s.redeemedAt } : {}),
    ...(s.duplicates ? { duplicates: s.duplicates } : {}),
    ...(s.lastError ? { lastError: s.lastError } : {}),
  };
}
