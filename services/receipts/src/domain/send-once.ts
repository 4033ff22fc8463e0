/**
 * Sending an email at most once per key, for a sender (SES) that has no idempotency of
 * its own. A conditional write claims the key with a short lease before sending; the
 * claim becomes SENT after. Duplicates (SQS redelivery, SNS at-least-once, a repeated
 * async invoke) find SENT and do nothing (X1).
 *
 * - A concurrent duplicate finds a live lease and fails temporarily: it is retried after
 *   the queue's visibility timeout (or Lambda's async back-off), by which time it finds SENT.
 * - A failed send releases the claim, so the retry sends.
 * - A crash after the send but before SENT is recorded leaves a lease that expires;
 *   the retry then sends again. That window (milliseconds) is the only way to a second
 *   email: at-least-once delivery, made rare, not impossible.
 */
import type { Email } from './messages';
import type { ClaimDelivery, CompleteDelivery, ReleaseDelivery, SendEmail } from './ports';

/** Longer than a sending attempt (function timeout 20 s), shorter than the retry delay (120 s visibility, 60 s async back-off). */
export const LEASE_SECONDS = 50;

export class DeliveryInProgressError extends Error {
  override name = 'DeliveryInProgressError';
}

export interface SendOnceDeps {
  claim: ClaimDelivery;
  complete: CompleteDelivery;
  release: ReleaseDelivery;
  send: SendEmail;
  now: () => Date;
}

export type SendOutcome = { outcome: 'sent'; messageId: string } | { outcome: 'duplicate' };

export function sendOnceWith(deps: SendOnceDeps) {
  return async (key: string, email: Email): Promise<SendOutcome> => {
    const state = await deps.claim(key, deps.now());
    if (state === 'sent') return { outcome: 'duplicate' };
    if (state === 'in-progress')
      throw new DeliveryInProgressError(`Delivery ${key} is in progress elsewhere; retry later`);
    let messageId: string;
    try {
      messageId = await deps.send(email);
    } catch (error) {
      await deps.release(key).catch(() => undefined); // the lease expires anyway
      throw error;
    }
    await deps.complete(key, messageId, deps.now());
    return { outcome: 'sent', messageId };
  };
}
