/**
 * Stock adjustment v1: the message the warehouse integration puts on the inventory
 * service's FIFO queue (P15), one per restock, count correction, damage or return.
 * Producers set `MessageGroupId = sku` (strict order per SKU) and
 * `MessageDeduplicationId = adjustmentId` (the same fact sent twice is dropped by SQS
 * within 5 minutes and by the consumer's conditional write after that).
 *
 * Exactly one of `delta` (add or remove units) or `setTo` (the counted sellable
 * quantity) is present.
 */
import * as z from 'zod/mini';
import { skuSchema } from '../orders/common';

export const STOCK_ADJUSTMENT_VERSION = 1;

/** SQS allows letters, digits and punctuation, up to 128, in a deduplication id. */
export const adjustmentIdSchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces'));

export const stockAdjustmentV1Schema = z
  .strictObject({
    adjustmentId: adjustmentIdSchema,
    sku: skuSchema,
    delta: z.optional(z.number().check(z.int(), z.minimum(-1_000_000), z.maximum(1_000_000))),
    setTo: z.optional(z.number().check(z.int(), z.nonnegative(), z.maximum(10_000_000))),
    reason: z.string().check(z.minLength(1), z.maxLength(200)),
    occurredAt: z.iso.datetime(),
  })
  .check(
    z.refine((a) => (a.delta === undefined) !== (a.setTo === undefined), {
      message: 'exactly one of delta or setTo is required',
      path: ['delta'],
    }),
    z.refine((a) => a.delta !== 0, { message: 'delta must not be 0', path: ['delta'] }),
  );

export type StockAdjustmentV1 = z.infer<typeof stockAdjustmentV1Schema>;

/** The send parameters a producer uses, so ordering and deduplication are never forgotten. */
export function adjustmentMessage(adjustment: StockAdjustmentV1) {
  const body = stockAdjustmentV1Schema.parse(adjustment);
  return {
    MessageBody: JSON.stringify(body),
    MessageGroupId: body.sku,
    MessageDeduplicationId: body.adjustmentId,
    MessageAttributes: { version: { DataType: 'Number', StringValue: String(STOCK_ADJUSTMENT_VERSION) } },
  };
}
