import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { BILLING_SOURCE, documentRefSchema } from './common';

/**
 * An invoice document landed in storage (the distributed trigger, P14). Travels only on
 * the billing notifier's private `billing-ops` topic, never on the public billing topic.
 * idempotencyKey: `document:<bucket>/<key>@<etag>` (the same bytes announced twice are one fact).
 */
export const invoiceDocumentStoredV1 = defineEvent(
  'InvoiceDocumentStored',
  1,
  BILLING_SOURCE,
  z.object({
    document: documentRefSchema,
    size: z.number().check(z.int(), z.nonnegative()),
    etag: z.string().check(z.minLength(1)),
    storedAt: z.iso.datetime(),
  }),
);

export type InvoiceDocumentStoredV1 = z.infer<typeof invoiceDocumentStoredV1.data>;
