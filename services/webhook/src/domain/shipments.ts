/**
 * The carrier's shipment update, posted to POST /webhooks/carrier and put on the carrier
 * queue by API Gateway itself (P28, no Lambda). API Gateway validates it against the
 * JSON Schema below (`carrierUpdateJsonSchema`, copied into serverless.yml's model);
 * the consumer validates again with zod because anything can be posted to a queue.
 */
import * as z from 'zod/mini';
import { orderIdSchema } from '@order-platform/shared/events/orders';
import { SHIPMENT_STATUSES } from '@order-platform/shared/events/shipments/shipmentUpdated.v1';

/** The carrier's statuses are the ones the platform announces (ShipmentUpdated v1). */
export { SHIPMENT_STATUSES };

/**
 * The carrier's update is a closed contract: API Gateway refuses a field it does not know
 * (400) rather than queue it, so that what reaches the queue is bounded (every field has
 * a length limit) and exactly what the consumer reads.
 */
export const carrierUpdateSchema = z.strictObject({
  eventId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/)),
  orderId: orderIdSchema,
  carrier: z.string().check(z.minLength(1), z.maxLength(64)),
  trackingNumber: z.string().check(z.regex(/^[A-Za-z0-9-]{4,64}$/)),
  status: z.enum(SHIPMENT_STATUSES),
  occurredAt: z.iso.datetime(),
});
export type CarrierUpdate = z.infer<typeof carrierUpdateSchema>;

/** What z.iso.datetime() accepts, as an ECMA 262 regex API Gateway's validator runs. */
export const OCCURRED_AT_PATTERN =
  '^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z))$';

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
    // zod's own z.iso.datetime() pattern (UTC, calendar-checked), so that the gateway
    // refuses what the consumer would send to the DLQ.
    occurredAt: { type: 'string', maxLength: 40, pattern: OCCURRED_AT_PATTERN },
  },
  additionalProperties: false,
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
