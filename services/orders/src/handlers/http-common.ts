import type { APIGatewayProxyEvent } from 'aws-lambda';
import { orderIdSchema } from '@order-platform/shared/events/orders';
import { ValidationError } from '@order-platform/shared/errors';
import { header, validate } from '@order-platform/shared/http';
import { idempotencyKeySchema } from '../http/schemas';

export function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = header(event, 'idempotency-key');
  return key === undefined ? undefined : validate(idempotencyKeySchema, key, 'Idempotency-Key header');
}

export function orderIdParam(event: APIGatewayProxyEvent): string {
  const raw = event.pathParameters?.orderId;
  if (!raw) throw new ValidationError('Missing path parameter orderId');
  return validate(orderIdSchema, raw, 'orderId path parameter');
}
