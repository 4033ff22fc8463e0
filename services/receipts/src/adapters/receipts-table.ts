/**
 * The receipts table (key `pk`), two kinds of item:
 *
 * | item     | pk                   | attributes                                        |
 * |----------|----------------------|---------------------------------------------------|
 * | delivery | DELIVERY#<key>       | status IN_PROGRESS / SENT, leaseUntil, messageId   |
 * | contact  | CONTACT#<customerId> | email, asOf (the record time it was learned from) |
 *
 * Deliveries expire (TTL `expiresAt`) long after any redelivery could arrive.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LEASE_SECONDS } from '../domain/send-once';
import type {
  ClaimDelivery,
  CompleteDelivery,
  FindContact,
  ReleaseDelivery,
  RememberContact,
} from '../domain/ports';

const DELIVERY_TTL_SECONDS = 90 * 24 * 60 * 60;
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const deliveryKey = (key: string) => ({ pk: `DELIVERY#${key}` });
const contactKey = (customerId: string) => ({ pk: `CONTACT#${customerId}` });

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function buildClaimDelivery(doc: DynamoDBDocumentClient, table: string): ClaimDelivery {
  return async (key, now) => {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...deliveryKey(key),
            status: 'IN_PROGRESS',
            leaseUntil: seconds(now) + LEASE_SECONDS,
            expiresAt: seconds(now) + DELIVERY_TTL_SECONDS,
          },
          // Free, or held by an attempt whose lease ran out (it crashed or timed out).
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':now': seconds(now) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item ? unmarshall(error.Item as Parameters<typeof unmarshall>[0]) : undefined;
      return existing?.status === 'SENT' ? 'sent' : 'in-progress';
    }
  };
}

export function buildCompleteDelivery(doc: DynamoDBDocumentClient, table: string): CompleteDelivery {
  return async (key, messageId, now) => {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: deliveryKey(key),
        UpdateExpression: 'SET #status = :sent, messageId = :id, sentAt = :at REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'SENT', ':id': messageId, ':at': now.toISOString() },
      }),
    );
  };
}

export function buildReleaseDelivery(doc: DynamoDBDocumentClient, table: string): ReleaseDelivery {
  return async (key) => {
    try {
      await doc.send(
        new DeleteCommand({
          TableName: table,
          Key: deliveryKey(key),
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };
}

export function buildRememberContact(doc: DynamoDBDocumentClient, table: string): RememberContact {
  return async (customerId, email, asOf) => {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...contactKey(customerId), email, asOf },
          // Records arrive out of order: an older record never overwrites a newer address.
          ConditionExpression: 'attribute_not_exists(pk) OR asOf <= :asOf',
          ExpressionAttributeValues: { ':asOf': asOf },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };
}

export function buildFindContact(doc: DynamoDBDocumentClient, table: string): FindContact {
  return async (customerId) => {
    const out = await doc.send(
      new GetCommand({ TableName: table, Key: contactKey(customerId), ConsistentRead: true }),
    );
    return typeof out.Item?.email === 'string' ? out.Item.email : undefined;
  };
}
