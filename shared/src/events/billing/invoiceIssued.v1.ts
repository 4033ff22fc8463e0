import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { currencySchema, customerIdSchema, orderIdSchema } from '../orders/common';
import {
  BILLING_SOURCE,
  billedAmountSchema,
  documentRefSchema,
  invoiceIdSchema,
  paymentIdSchema,
} from './common';

/**
 * An invoice exists for a captured payment and its document is stored. Published by the
 * invoicing service. idempotencyKey: `invoice:<invoiceId>` (one invoice per payment).
 */
export const invoiceIssuedV1 = defineEvent(
  'InvoiceIssued',
  1,
  BILLING_SOURCE,
  z.object({
    invoiceId: invoiceIdSchema,
    paymentId: paymentIdSchema,
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    amount: billedAmountSchema,
    currency: currencySchema,
    issuedAt: z.iso.datetime(),
    document: documentRefSchema,
  }),
);

export type InvoiceIssuedV1 = z.infer<typeof invoiceIssuedV1.data>;
