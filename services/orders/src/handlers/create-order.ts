import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ulid } from 'ulid';
import { awsClient } from '@order-platform/shared/aws';
import { loadConfig } from '@order-platform/shared/config';
import { ValidationError } from '@order-platform/shared/errors';
import { errorResponse, json, parseJsonBody, principalOf } from '@order-platform/shared/http';
import { currentCorrelationId, metrics, withObservability } from '@order-platform/shared/observability';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { placeOrderInputSchema, platformOwnedFields } from '../domain/order';
import { placeOrder, type PlaceOrderDeps } from '../domain/use-cases';
import { buildSaveNewOrder, documentClient } from '../adapters/orders-table';
import { buildPriceLines } from '../adapters/catalog-prices';
import { buildCatalogClient } from '../../../catalog/src/client/catalog-client';
import { idempotencyKeyOf } from './http-common';

/**
 * Where the new order can be read: the path this request came in on (stage or custom
 * domain base path included, as API Gateway reports it) plus the order id, so a client
 * can follow it as it is.
 */
export function locationOf(event: APIGatewayProxyEvent, orderId: string): string {
  const path = event.requestContext?.path ?? event.path ?? '/orders';
  return `${path.replace(/\/+$/, '')}/${encodeURIComponent(orderId)}`;
}

/** POST /orders (P06): validate, store once per Idempotency-Key, answer 201 with the order. */
export function makeHandler(deps: PlaceOrderDeps) {
  const place = placeOrder(deps);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const idempotencyKey = idempotencyKeyOf(event);
      const input = parseJsonBody(event, placeOrderInputSchema, {
        // Said plainly before the schema's generic "unrecognized key".
        precheck: (body) => {
          const owned = platformOwnedFields(body);
          if (owned.length) throw new ValidationError('Lines carry only sku and quantity', owned);
        },
      });
      const { order, replayed } = await place(input, principal, {
        correlationId: currentCorrelationId(),
        idempotencyKey,
      });
      if (!replayed) metrics.addMetric('OrderPlaced', MetricUnit.Count, 1);
      return json(201, order, {
        location: locationOf(event, order.orderId),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const config = loadConfig(['TABLE_NAME', 'PRICE_LINES_FUNCTION']);

export const handler = withObservability(
  makeHandler({
    saveNewOrder: buildSaveNewOrder(
      documentClient(awsClient(DynamoDBClient, { maxAttempts: 2 })),
      config.TABLE_NAME,
    ),
    priceLines: buildPriceLines(
      buildCatalogClient(
        awsClient(LambdaClient, { maxAttempts: 2 }),
        { priceLines: config.PRICE_LINES_FUNCTION },
        { timeoutMs: 3_000 },
      ),
    ),
    newOrderId: () => `ord_${ulid()}`,
    now: () => new Date(),
  }),
);
