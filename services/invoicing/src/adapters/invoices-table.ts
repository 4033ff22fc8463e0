/**
 * The invoices table: one item per payment (key `paymentId`), so the conditional put is
 * the idempotency guard and the item is the invoice.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Invoice } from '../domain/invoice';
import type { ClaimInvoice, MarkInvoiceIssued } from '../domain/ports';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function buildClaimInvoice(doc: DynamoDBDocumentClient, table: string): ClaimInvoice {
  return async (draft) => {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...draft },
          ConditionExpression: 'attribute_not_exists(paymentId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return {
          claimed: false,
          existing: unmarshall(error.Item as Parameters<typeof unmarshall>[0]) as Invoice,
        };
      }
      throw error;
    }
  };
}

export function buildMarkInvoiceIssued(doc: DynamoDBDocumentClient, table: string): MarkInvoiceIssued {
  return async (paymentId) => {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId },
        UpdateExpression: 'SET #status = :issued',
        ConditionExpression: 'attribute_exists(paymentId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':issued': 'ISSUED' },
      }),
    );
  };
}
