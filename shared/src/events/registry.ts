/**
 * Every message contract of the platform in one list, with its sample: what
 * `npm run docs:contracts` turns into docs/events/<name>.schema.json and what
 * tests/contracts.unit.test.ts checks. Docs and tests only; no handler imports it.
 *
 * Names are `<domain>.<Type>.v<version>`: two domains publish a RefundIssued (the
 * provider's refund, and the billing record of it), and they are different contracts.
 */
import * as z from 'zod/mini';
import { jsonSchemaOf } from '../contracts/json-schema';
import { metadataSchema, type EventContract } from './envelope';
import * as billing from './billing/index';
import * as billingSamples from './billing/samples';
import { catalogImportedV1 } from './catalog/catalogImported.v1';
import { sampleCatalogImported } from './catalog/samples';
import { stockAdjustmentV1Schema } from './inventory/stockAdjustment.v1';
import { sampleStockAdjustment } from './inventory/samples';
import * as orders from './orders/index';
import * as orderSamples from './orders/samples';
import * as payments from './payments/index';
import * as paymentSamples from './payments/samples';
import { fulfilLineV1, sampleFulfilLine } from './fulfilment/fulfilLine.v1';
import { sampleShipmentUpdated, shipmentUpdatedV1 } from './shipments/shipmentUpdated.v1';

export interface MessageContract {
  name: string;
  description: string;
  /** What is on the wire: the envelope pinned to this type and version, or a bare message. */
  schema: z.ZodMiniType;
  sample: () => unknown;
}

/** The envelope `{ metadata, data }` with metadata pinned to the contract's type, version and source. */
export function envelopeSchemaOf<T>(contract: EventContract<T>) {
  return z.object({
    metadata: z.extend(metadataSchema, {
      eventType: z.literal(contract.type),
      version: z.literal(contract.version),
      source: z.literal(contract.source),
    }),
    data: contract.data,
  });
}

function event<T>(
  domain: string,
  contract: EventContract<T>,
  description: string,
  sample: () => unknown,
): MessageContract {
  return {
    name: `${domain}.${contract.type}.v${contract.version}`,
    description,
    schema: envelopeSchemaOf(contract),
    sample,
  };
}

export const messageContracts: readonly MessageContract[] = [
  event('orders', orders.orderPlacedV1, 'EventBridge: an order was placed (starts the saga)', () =>
    orderSamples.sampleOrderPlaced(),
  ),
  event('orders', orders.orderConfirmedV1, 'EventBridge: the saga confirmed an order', () =>
    orderSamples.sampleOrderConfirmed(),
  ),
  event('orders', orders.orderCancelledV1, 'EventBridge: an order was cancelled', () =>
    orderSamples.sampleOrderCancelled(),
  ),
  event('orders', orders.orderFailedV1, 'EventBridge: an order failed', () =>
    orderSamples.sampleOrderFailed(),
  ),
  event('payments', payments.paymentSucceededV1, 'EventBridge: the provider confirmed a charge', () =>
    paymentSamples.samplePaymentSucceeded(),
  ),
  event('payments', payments.paymentFailedV1, 'EventBridge: the provider declined a charge', () =>
    paymentSamples.samplePaymentFailed(),
  ),
  event('payments', payments.refundIssuedV1, 'EventBridge: the provider confirmed a refund', () =>
    paymentSamples.samplePaymentRefundIssued(),
  ),
  event('billing', billing.paymentCapturedV1, 'Billing SNS topic: a captured payment', () =>
    billingSamples.samplePaymentCaptured(),
  ),
  event('billing', billing.refundIssuedV1, 'Billing SNS topic: a refund', () =>
    billingSamples.sampleRefundIssued(),
  ),
  event('billing', billing.invoiceIssuedV1, 'Billing SNS topic: an invoice was issued', () =>
    billingSamples.sampleInvoiceIssued(),
  ),
  event('billing', billing.invoiceDocumentStoredV1, 'Billing ops topic: an invoice document was stored', () =>
    billingSamples.sampleInvoiceDocumentStored(),
  ),
  event(
    'billing',
    billing.sendOrderConfirmationV1,
    'Async Lambda Invoke, orders -> receipts: send the order confirmation',
    () => billingSamples.sampleSendOrderConfirmation(),
  ),
  event('catalog', catalogImportedV1, 'EventBridge: a catalog import finished', () =>
    sampleCatalogImported(),
  ),
  event(
    'shipments',
    shipmentUpdatedV1,
    'EventBridge: the webhook service recorded a carrier status update for a shipment',
    () => sampleShipmentUpdated(),
  ),
  event(
    'fulfilment',
    fulfilLineV1,
    "Async Lambda Invoke, fulfilment's router -> the task for the line's kind: fulfil one order line",
    () => sampleFulfilLine(),
  ),
  {
    name: 'inventory.StockAdjustment.v1',
    description:
      'Inventory FIFO queue, bare message (no envelope). Not expressible in JSON Schema, checked by zod only: exactly one of delta or setTo, and delta is not 0.',
    schema: stockAdjustmentV1Schema,
    sample: () => sampleStockAdjustment(),
  },
];

/** The JSON Schema (2020-12) of a message as a producer may send it and a consumer accepts it. */
export function messageJsonSchema(contract: MessageContract): Record<string, unknown> {
  const { $schema, ...rest } = jsonSchemaOf(contract.schema, 'input');
  return { $schema, title: contract.name, description: contract.description, ...rest };
}
