/** The emails receipts sends, pure: plain text, amounts formatted from minor units. */
import type {
  PaymentCapturedV1,
  RefundIssuedV1,
  SendOrderConfirmationV1,
} from '@order-platform/shared/events/billing/index';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

export function paymentReceipt(p: PaymentCapturedV1): Email {
  return {
    to: p.customerEmail,
    subject: `Receipt for order ${p.orderId}`,
    text: [
      `We received your payment of ${formatMoney(p.amount, p.currency)} for order ${p.orderId}.`,
      `Payment reference: ${p.paymentId}`,
      `Date: ${p.capturedAt}`,
    ].join('\n'),
  };
}

export function refundReceipt(r: RefundIssuedV1): Email {
  return {
    to: r.customerEmail,
    subject: `Refund for order ${r.orderId}`,
    text: [
      `We refunded ${formatMoney(r.amount, r.currency)} for order ${r.orderId} (${r.reason}).`,
      `Refund reference: ${r.refundId} (payment ${r.paymentId})`,
      `Date: ${r.refundedAt}`,
    ].join('\n'),
  };
}

export function orderConfirmation(c: SendOrderConfirmationV1, to: string): Email {
  return {
    to,
    subject: `Your order ${c.orderId} is confirmed`,
    text: [
      `Thank you! Order ${c.orderId} is confirmed.`,
      `Total: ${formatMoney(c.total, c.currency)}`,
      `Confirmed at: ${c.confirmedAt}`,
    ].join('\n'),
  };
}
