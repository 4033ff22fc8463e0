import { describe, expect, it } from 'vitest';
import {
  samplePaymentCaptured,
  sampleRefundIssued,
  sampleSendOrderConfirmation,
} from '@order-platform/shared/events/billing/samples';
import { ContactUnknownError, confirmOrderFor, receiptFor } from './receipts';
import { formatMoney, type Email } from './messages';
import type { SendOutcome } from './send-once';

function fakes() {
  const contacts = new Map<string, { email: string; asOf: string }>();
  const calls: { key: string; email: Email }[] = [];
  const sendOnce = async (key: string, email: Email): Promise<SendOutcome> => {
    const dup = calls.some((c) => c.key === key);
    calls.push({ key, email });
    return dup ? { outcome: 'duplicate' } : { outcome: 'sent', messageId: `m${calls.length}` };
  };
  const rememberContact = async (customerId: string, email: string, asOf: string) => {
    const current = contacts.get(customerId);
    if (!current || current.asOf <= asOf) contacts.set(customerId, { email, asOf });
  };
  const findContact = async (customerId: string) => contacts.get(customerId)?.email;
  return { contacts, calls, sendOnce, rememberContact, findContact };
}

describe('receiptFor', () => {
  it('sends the payment receipt to the payer, keyed by the record idempotency key, and learns the address', async () => {
    const f = fakes();
    const record = samplePaymentCaptured({ amount: 4990, currency: 'EUR' });
    await receiptFor(f)({ type: 'PaymentCaptured', event: record });
    expect(f.calls[0]).toMatchObject({
      key: record.metadata.idempotencyKey,
      email: { to: record.data.customerEmail },
    });
    expect(f.calls[0]!.email.text).toContain('49.90 EUR');
    expect(await f.findContact(record.data.customerId)).toBe(record.data.customerEmail);
  });

  it('sends refund receipts too, and never lets an older record overwrite a newer address', async () => {
    const f = fakes();
    const newer = samplePaymentCaptured({
      customerId: 'cus_1',
      customerEmail: 'new@example.com',
      capturedAt: '2026-11-21T00:00:00.000Z',
    });
    const older = sampleRefundIssued({
      customerId: 'cus_1',
      customerEmail: 'old@example.com',
      refundedAt: '2026-11-01T00:00:00.000Z',
    });
    await receiptFor(f)({ type: 'PaymentCaptured', event: newer });
    await receiptFor(f)({ type: 'RefundIssued', event: older });
    expect(f.calls[1]!.email.subject).toMatch(/^Refund/);
    expect(await f.findContact('cus_1')).toBe('new@example.com');
  });
});

describe('confirmOrderFor', () => {
  it('sends one confirmation per order, whatever key the caller put on the command', async () => {
    const f = fakes();
    await f.rememberContact('cus_9', 'buyer@example.com', '2026-11-20T00:00:00.000Z');
    const command = sampleSendOrderConfirmation({ customerId: 'cus_9' });
    const first = await confirmOrderFor(f)(command);
    const retried = await confirmOrderFor(f)({
      ...command,
      metadata: { ...command.metadata, idempotencyKey: 'something-else' },
    });
    expect(first).toMatchObject({ orderId: command.data.orderId, outcome: 'sent' });
    expect(retried).toMatchObject({ outcome: 'duplicate' });
    expect(new Set(f.calls.map((c) => c.key))).toEqual(
      new Set([`order-confirmation:${command.data.orderId}`]),
    );
  });

  it('sends to the address the order carries, and remembers it as the customer contact', async () => {
    const f = fakes();
    const command = sampleSendOrderConfirmation({ customerId: 'cus_new', customerEmail: 'new@example.com' });

    const out = await confirmOrderFor(f)(command);

    expect(out).toMatchObject({ outcome: 'sent' });
    expect(f.calls[0]!.email.to).toBe('new@example.com');
    expect(await f.findContact('cus_new')).toBe('new@example.com');
  });

  it("prefers the order's address over the learned one; an older order does not overwrite a newer contact", async () => {
    const f = fakes();
    await f.rememberContact('cus_5', 'paid-with@example.com', '2026-12-01T00:00:00.000Z');
    const older = sampleSendOrderConfirmation({
      customerId: 'cus_5',
      customerEmail: 'on-the-order@example.com',
      confirmedAt: '2026-11-20T10:20:00.000Z',
    });

    await confirmOrderFor(f)(older);

    expect(f.calls[0]!.email.to).toBe('on-the-order@example.com');
    expect(await f.findContact('cus_5')).toBe('paid-with@example.com');
  });

  it('fails temporarily while the customer address is unknown (retried, then the on-failure destination)', async () => {
    await expect(confirmOrderFor(fakes())(sampleSendOrderConfirmation())).rejects.toThrow(
      ContactUnknownError,
    );
  });
});

describe('formatMoney', () => {
  it('formats minor units', () => {
    expect(formatMoney(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(123456, 'USD')).toBe('1234.56 USD');
  });
});
