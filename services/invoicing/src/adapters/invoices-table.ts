/**
 * The invoices table: one item per payment (key `paymentId`), so the conditional put is
 * the idempotency guard and the item is the invoice.
 *
 * | access pattern                          | how                                                     |
 * |-----------------------------------------|---------------------------------------------------------|
 * | claim / mark one invoice                | PutItem / UpdateItem on `paymentId`                     |
 * | a customer's invoices, newest first     | Query GSI `ByCustomer` (`customerId`, `issuedAt`), desc |
 *
 * The index keys are attributes every invoice already had, so it covers old invoices too.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '@order-platform/shared/errors';
import { paymentIdSchema } from '@order-platform/shared/events/billing/common';
import { decodeCursorKey } from '@order-platform/shared/pagination';
import type { Invoice } from '../domain/invoice';
import type { ClaimInvoice, InvoiceSummary, ListCustomerInvoices, MarkInvoiceIssued } from '../domain/ports';

/** The GSI by customer (serverless.yml; its IAM grant names it too). */
export const CUSTOMER_INDEX = 'ByCustomer';

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

interface CustomerCursor {
  paymentId: string;
  customerId: string;
  issuedAt: string;
}

const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** Only a cursor this endpoint gave out for this customer (else 400 naming `cursor`). */
function decodeCursor(cursor: string, customerId: string): CustomerCursor {
  const key = decodeCursorKey(cursor, {
    paymentId: (v) => paymentIdSchema.safeParse(v).success,
    customerId: (v) => v === customerId,
    issuedAt: (v) => v.length <= 40 && !Number.isNaN(Date.parse(v)),
  });
  if (key) return key as unknown as CustomerCursor;
  throw new ValidationError('Invalid pagination cursor', [
    { path: 'cursor', message: 'not a cursor returned by this endpoint for this customer' },
  ]);
}

export function buildListCustomerInvoices(doc: DynamoDBDocumentClient, table: string): ListCustomerInvoices {
  return async (customerId, { limit, cursor }) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: CUSTOMER_INDEX,
        KeyConditionExpression: 'customerId = :c',
        // Limit counts items read before the filter: a page may hold fewer than `limit`
        // (an invoice still being issued), never more; the cursor stays exact.
        FilterExpression: '#status = :issued',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':c': customerId, ':issued': 'ISSUED' },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, customerId) } : {}),
      }),
    );
    return {
      invoices: (out.Items ?? []) as InvoiceSummary[],
      ...(out.LastEvaluatedKey ? { nextCursor: encodeCursor(out.LastEvaluatedKey) } : {}),
    };
  };
}
