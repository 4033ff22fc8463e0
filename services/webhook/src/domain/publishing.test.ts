import { describe, expect, it, vi } from 'vitest';
import type { Envelope } from '@order-platform/shared/events/envelope';
import { samplePaymentCaptured, sampleRefundIssued } from '@order-platform/shared/events/billing/samples';
import { routeBySource } from './publishing';
import type { PublishEnvelopes } from './ports';

const payments = (id: string): Envelope<unknown> => ({
  metadata: {
    eventId: `payments:${id}`,
    eventType: 'PaymentSucceeded',
    version: 1,
    source: 'order-platform.payments',
    occurredAt: '2026-11-22T10:00:00.000Z',
    correlationId: 'c',
    idempotencyKey: `payments:${id}`,
  },
  data: {},
});

const recorder = (answer: (e: Envelope<unknown>) => boolean = () => true) => {
  const seen: string[] = [];
  const publish: PublishEnvelopes = vi.fn(async (events: readonly Envelope<unknown>[]) => {
    events.forEach((e) => seen.push(e.metadata.eventId));
    return events.map(answer);
  });
  return { publish, seen };
};

describe('routeBySource (one router for the writer and the relay)', () => {
  it('sends billing records to the billing route and everything else to the bus, answering per envelope in order', async () => {
    const bus = recorder((e) => e.metadata.eventId !== 'payments:b');
    const billing = recorder();
    const captured = samplePaymentCaptured();
    const refund = sampleRefundIssued();
    const route = routeBySource({ 'order-platform.billing': billing.publish }, bus.publish);

    const accepted = await route([payments('a'), captured, payments('b'), refund]);

    expect(accepted).toEqual([true, true, false, true]);
    expect(bus.seen).toEqual(['payments:a', 'payments:b']);
    expect(billing.seen).toEqual([captured.metadata.eventId, refund.metadata.eventId]);
  });

  it('a destination failing as a whole fails only its own envelopes, and is reported', async () => {
    const bus = recorder();
    const errors: unknown[] = [];
    const route = routeBySource(
      {
        'order-platform.billing': async () => {
          throw new Error('sns endpoint unreachable');
        },
      },
      bus.publish,
      (error, source, count) => errors.push({ message: (error as Error).message, source, count }),
    );

    const accepted = await route([samplePaymentCaptured(), payments('a')]);

    expect(accepted).toEqual([false, true]);
    expect(errors).toEqual([
      { message: 'sns endpoint unreachable', source: 'order-platform.billing', count: 1 },
    ]);
  });

  it('calls no destination for an empty page', async () => {
    const bus = recorder();
    expect(await routeBySource({}, bus.publish)([])).toEqual([]);
    expect(bus.publish).not.toHaveBeenCalled();
  });
});
