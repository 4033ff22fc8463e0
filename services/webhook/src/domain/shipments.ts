/**
 * The carrier's shipment update, posted to POST /webhooks/carrier and put on the carrier
 * queue by API Gateway itself (P28, no Lambda). API Gateway validates it against the
 * JSON Schema below (`carrierUpdateJsonSchema`, copied into serverless.yml's model);
 * the consumer validates again with zod because anything can be posted to a queue.
 */
import * as z from 'zod/mini';
import { orderIdSchema } from '@order-platform/shared/events/orders';

export const SHIPMENT_STATUSES = [
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
] as const;

export const carrierUpdateSchema = z.object({
  eventId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/)),
  orderId: orderIdSchema,
  carrier: z.string().check(z.minLength(1), z.maxLength(64)),
  trackingNumber: z.string().check(z.regex(/^[A-Za-z0-9-]{4,64}$/)),
  status: z.enum(SHIPMENT_STATUSES),
  occurredAt: z.iso.datetime(),
});
export type CarrierUpdate = z.infer<typeof carrierUpdateSchema>;

/** The same contract as API Gateway's request model (draft-04 JSON Schema). */
export const carrierUpdateJsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'CarrierShipmentUpdate',
  type: 'object',
  required: ['eventId', 'orderId', 'carrier', 'trackingNumber', 'status', 'occurredAt'],
  properties: {
    eventId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
    orderId: { type: 'string', pattern: '^ord_[0-9A-HJKMNP-TV-Z]{26}$' },
    carrier: { type: 'string', minLength: 1, maxLength: 64 },
    trackingNumber: { type: 'string', pattern: '^[A-Za-z0-9-]{4,64}$' },
    status: { type: 'string', enum: [...SHIPMENT_STATUSES] },
    occurredAt: { type: 'string', minLength: 20, maxLength: 40 },
  },
} as const;

/**
 * API Gateway's request template for the carrier route (serverless.yml holds the same
 * string; the template test checks they agree): SendMessage form parameters, the body
 * URL-encoded unchanged, the request id as the correlation id.
 */
export const CARRIER_REQUEST_TEMPLATE =
  'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' +
  '&MessageAttribute.1.Name=correlationId&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=$util.urlEncode($context.requestId)' +
  '&MessageAttribute.2.Name=kind&MessageAttribute.2.Value.DataType=String&MessageAttribute.2.Value.StringValue=carrier.update';
