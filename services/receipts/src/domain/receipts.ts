/**
 * What receipts does with what it receives:
 * - a billing record (PaymentCaptured, RefundIssued) -> remember the payer's address,
 *   send the receipt once per record (key: the record's idempotencyKey);
 * - the orders handoff (SendOrderConfirmation) -> send the confirmation once per order
 *   (key: order-confirmation:<orderId>), to the address the order carries (remembered as
 *   the customer's contact), else to the address learned from the customer's payments.
 */
import type { Envelope } from '@order-platform/shared/events/envelope';
import {
  orderConfirmationKey,
  type PaymentCapturedV1,
  type RefundIssuedV1,
  type SendOrderConfirmationV1,
} from '@order-platform/shared/events/billing/index';
import { orderConfirmation, paymentReceipt, refundReceipt } from './messages';
import type { FindContact, RememberContact } from './ports';
import type { SendOutcome } from './send-once';

/** Temporary: the payment record that teaches us the address may simply not be processed yet. */
export class ContactUnknownError extends Error {
  override name = 'ContactUnknownError';
}

type SendOnce = (key: string, email: ReturnType<typeof paymentReceipt>) => Promise<SendOutcome>;

export type BillingRecord =
  | { type: 'PaymentCaptured'; event: Envelope<PaymentCapturedV1> }
  | { type: 'RefundIssued'; event: Envelope<RefundIssuedV1> };

export function receiptFor(deps: { sendOnce: SendOnce; rememberContact: RememberContact }) {
  return async (record: BillingRecord): Promise<SendOutcome> => {
    const { data, metadata } = record.event;
    await deps.rememberContact(data.customerId, data.customerEmail, metadata.occurredAt);
    const email =
      record.type === 'PaymentCaptured'
        ? paymentReceipt(record.event.data)
        : refundReceipt(record.event.data);
    return deps.sendOnce(metadata.idempotencyKey, email);
  };
}

export function confirmOrderFor(deps: {
  sendOnce: SendOnce;
  findContact: FindContact;
  rememberContact: RememberContact;
}) {
  return async (command: Envelope<SendOrderConfirmationV1>): Promise<{ orderId: string } & SendOutcome> => {
    const { orderId, customerId, customerEmail } = command.data;
    // The order's own address wins (and teaches us the contact, newest wins as for payments).
    if (customerEmail) await deps.rememberContact(customerId, customerEmail, command.metadata.occurredAt);
    const to = customerEmail ?? (await deps.findContact(customerId));
    if (!to)
      throw new ContactUnknownError(`No address known yet for customer ${customerId} (order ${orderId})`);
    // Keyed on the order, not on whatever key the caller chose: one confirmation per order.
    const result = await deps.sendOnce(orderConfirmationKey(orderId), orderConfirmation(command.data, to));
    return { orderId, ...result };
  };
}
