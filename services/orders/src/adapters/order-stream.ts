/**
 * Reads an orders-table stream record as the change of one order (the images before and
 * after); any other item of the table reads as no order.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Order } from '../domain/order';
import { fromItem } from './orders-table';

type StreamImage = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

function image(raw: StreamImage): Order | undefined {
  return raw ? fromItem(unmarshall(raw as Parameters<typeof unmarshall>[0])) : undefined;
}

export function orderChangeOf(record: DynamoDBRecord): { before?: Order; after?: Order } {
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}
