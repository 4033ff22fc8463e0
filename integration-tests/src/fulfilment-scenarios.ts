/**
 * Fulfilment end to end (P16 router): a confirmed order's lines are routed by product
 * kind to their tasks. The physical line is booked with the simulated carrier, whose
 * updates come back through the carrier endpoint (P28) until the shipment is delivered;
 * the digital line's download link serves the file and stops working after its (short,
 * injected) expiry; the gift card code is shown once and redeems once. A redelivered
 * OrderConfirmed fulfils nothing twice, and a task that keeps failing leaves the command
 * in its own failure destination, from which it runs again once the cause is fixed.
 * Local runner only: the carrier is simulated and the failure queue is read from the
 * engines.
 */
import { randomUUID } from 'node:crypto';
import { eventually, type FulfilmentLine, type FulfilmentView, type PlatformClient } from './client';
import { check, type Scenario } from './scenarios';

const customer = (tag: string) => `c-${tag}-${randomUUID().slice(0, 8)}`;
const EACH_KIND = [
  { sku: 'MUG-LOGO', quantity: 1 }, // physical
  { sku: 'EBOOK-PATTERNS', quantity: 1 }, // digital
  { sku: 'GIFT-CARD-25', quantity: 1 }, // giftcard
];

async function confirmedOrder(c: PlatformClient, token: string, lines: { sku: string; quantity: number }[]) {
  const placed = await c.placeOrder(token, lines);
  check(placed.status === 201, 'POST /orders answers 201', placed.body);
  const done = await c.waitUntilEnded(token, placed.body.orderId);
  check(done.status === 'CONFIRMED', 'the order is confirmed', done);
  return done;
}

const lineOf = (view: FulfilmentView, kind: string): FulfilmentLine => {
  const line = view.lines.find((l) => l.kind === kind);
  check(line, `the ${kind} line is in the fulfilment view`, view);
  return line;
};

export const fulfilmentScenarios: Scenario[] = [
  {
    name: 'a confirmed order is routed line by line: shipped until delivered, a download that expires, a gift card redeemed once, nothing fulfilled twice',
    localOnly: true,
    async run(c, note) {
      await c.carrier({ stepMs: 300, refuseCustomers: [] });
      const token = await c.token(customer('fulfil'));
      const order = await confirmedOrder(c, token, EACH_KIND);
      const orderId = order.orderId;
      const started = Date.now();

      // The gift card code shows on the first read that finds it issued: keep it whichever read that is.
      let code: string | undefined;
      const read = async () => {
        const r = await c.fulfilment(token, orderId);
        if (r.status !== 200) return undefined;
        const card = r.body.lines.find((l) => l.giftCard?.revealed);
        if (card) code = card.giftCard!.code;
        return r.body;
      };
      const routed = await eventually(
        async () => {
          const view = await read();
          return view?.lines.length === 3 && view.lines.every((l) => l.status !== 'processing')
            ? view
            : undefined;
        },
        { timeoutMs: 60_000, what: 'the three lines to be fulfilled by their tasks' },
      );
      // The order view links the fulfilment of its lines.
      const view = await c.getOrder(token, orderId);
      check(
        view.body.fulfilmentUrl === `${c.endpoints.apis.fulfilment}/orders/${orderId}/fulfilment`,
        'the confirmed order links its fulfilment',
        view.body,
      );
      check(
        lineOf(routed, 'physical').shipment?.carrier === 'simcarrier' &&
          lineOf(routed, 'digital').status === 'ready' &&
          ['issued', 'redeemed'].includes(lineOf(routed, 'giftcard').status),
        'each kind went to its task: a shipment booked, a download ready, a code issued',
        routed,
      );
      note({
        patterns: 'P16',
        what: 'OrderConfirmed -> router (async) -> physical, digital and gift card tasks, one line each',
        ms: Date.now() - started,
      });

      // Physical: the carrier's updates (POST /webhooks/carrier, P28) move the line to delivered.
      const shipped = Date.now();
      const delivered = await eventually(
        async () => {
          const view = await read();
          return view && lineOf(view, 'physical').status === 'delivered' ? view : undefined;
        },
        { timeoutMs: 60_000, what: 'the shipment to be delivered through the carrier updates' },
      );
      const [shipment, ...others] = await c.carrierShipments(orderId);
      check(
        shipment &&
          others.length === 0 &&
          shipment.trackingNumber === lineOf(delivered, 'physical').shipment?.trackingNumber &&
          shipment.delivered.join(' ') === 'label_created in_transit out_for_delivery delivered',
        'one shipment, its four updates accepted by the carrier endpoint',
        shipment,
      );
      note({
        patterns: 'P16 P28',
        what: 'carrier: booked, then label_created -> in_transit -> out_for_delivery -> delivered via the webhook',
        ms: Date.now() - shipped,
      });

      // Digital: the presigned link serves the file, then stops working after its expiry.
      const download = lineOf(delivered, 'digital').download;
      check(download, 'the digital line has a download link', delivered);
      const file = await fetch(download.url);
      const text = await file.text();
      check(file.status === 200 && text.includes('E-book'), 'the download link serves the file', {
        status: file.status,
        text: text.slice(0, 200),
      });
      const expiresAt = Date.parse(download.expiresAt);
      const refusedAt = await eventually(
        async () => {
          const r = await fetch(download.url);
          await r.text();
          return r.status === 403 ? Date.now() : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'the download link to expire' },
      );
      // X-Amz-Date has whole seconds: the link may stop up to a second before expiresAt.
      check(refusedAt >= expiresAt - 1_500, 'the link worked until its expiry', {
        refusedAt: new Date(refusedAt).toISOString(),
        expiresAt: download.expiresAt,
      });
      note({ patterns: 'P16', what: `download link: 200, then 403 once expired (${download.expiresAt})` });

      // Gift card: shown once, masked afterwards; redeemed once, refused the second time.
      check(code && !code.startsWith('XXXX'), 'the first read showed the gift card code', routed);
      const later = lineOf((await c.fulfilment(token, orderId)).body, 'giftcard').giftCard;
      check(
        later && !later.revealed && later.code === `XXXX-XXXX-XXXX-${code.slice(-4)}`,
        'later reads show the code masked',
        later,
      );
      const friend = await c.token(customer('gift-receiver'));
      const first = await c.redeemGiftCard(friend, code);
      check(
        first.status === 200 && first.body.amount === 2500,
        'the code redeems once, for its value',
        first,
      );
      const second = await c.redeemGiftCard(friend, code);
      check(
        second.status === 409 && /already redeemed/.test(second.body.error?.message ?? ''),
        'a second redemption is a 409 that says why',
        second,
      );
      note({ patterns: 'P16', what: 'gift card: code shown once, masked after; redeemed once, then 409' });

      // A duplicate OrderConfirmed (EventBridge delivers at least once): routed again, fulfils nothing.
      const before = (await c.fulfilment(token, orderId)).body;
      await c.putPlatformEvent('order-platform.orders', 'OrderConfirmed', {
        metadata: {
          eventId: `${orderId}:redelivered`,
          eventType: 'OrderConfirmed',
          version: 1,
          source: 'order-platform.orders',
          occurredAt: new Date().toISOString(),
          correlationId: `redelivery-${orderId}`,
          idempotencyKey: `${orderId}:CONFIRMED`,
        },
        data: {
          orderId,
          customerId: order.customerId,
          total: order.total,
          currency: 'EUR',
          confirmedAt: new Date().toISOString(),
          lines: order.lines,
        },
      });
      const after = await eventually(
        async () => {
          const view = (await c.fulfilment(token, orderId)).body;
          return view.lines.every((l) => (l.duplicatesIgnored ?? 0) >= 1) ? view : undefined;
        },
        { timeoutMs: 60_000, what: 'each task to receive the redelivered line and ignore it' },
      );
      const strip = (v: FulfilmentView) =>
        v.lines.map(({ download: _d, duplicatesIgnored: _n, ...rest }) => rest);
      check(
        JSON.stringify(strip(after)) === JSON.stringify(strip(before)),
        'the redelivery changed no line',
        { before, after },
      );
      check((await c.carrierShipments(orderId)).length === 1, 'no second shipment was booked');
      check(
        lineOf(after, 'giftcard').giftCard?.code === later.code,
        'no second gift card code was issued',
        after,
      );
      note({
        patterns: 'P16 X1',
        what: 'a redelivered OrderConfirmed reached every task; nothing fulfilled twice',
      });
    },
  },
  {
    name: 'a fulfilment task that keeps failing leaves the original command in its own failure destination, and is run again once the cause is fixed',
    localOnly: true,
    async run(c, note) {
      const who = customer('undeliverable');
      const token = await c.token(who);
      await c.carrier({ refuseCustomers: [who] });
      try {
        const order = await confirmedOrder(c, token, [{ sku: 'STICKER-PACK', quantity: 1 }]);
        const started = Date.now();
        // Lambda retries the task once (after about a minute), then sends the invocation
        // record to the physical task's failure queue, where an operator finds it.
        const [body] = await eventually(
          async () => {
            const held = await c.peekQueueMessages('op-fulfilment', 'PhysicalFailuresQueue', (b) =>
              b.includes(order.orderId),
            );
            return held.length ? held : undefined;
          },
          {
            timeoutMs: 150_000,
            intervalMs: 1_000,
            what: 'the failed command in the physical task failure queue',
          },
        );
        const record = JSON.parse(body!) as {
          requestContext: { condition: string; approximateInvokeCount: number };
          requestPayload: { metadata: { idempotencyKey: string }; data: { orderId: string; sku: string } };
          responsePayload: { errorType: string; errorMessage: string };
        };
        check(
          record.requestContext.condition === 'RetriesExhausted' &&
            record.requestContext.approximateInvokeCount === 2 &&
            record.requestPayload.data.orderId === order.orderId &&
            record.requestPayload.data.sku === 'STICKER-PACK' &&
            record.requestPayload.metadata.idempotencyKey === `${order.orderId}#1` &&
            record.responsePayload.errorType === 'CarrierRefusedError',
          'the failure record keeps the original command and the carrier refusal',
          record,
        );
        const view = await c.fulfilment(token, order.orderId);
        check(
          view.status === 200 &&
            view.body.lines[0]?.status === 'processing' &&
            /^CarrierRefusedError: /.test(view.body.lines[0]?.problem ?? ''),
          'the line is not marked fulfilled, and says why',
          view.body,
        );
        const failedAfter = Date.now() - started;

        // The cause is fixed (the carrier serves the address now); the operator runs the
        // task again from its record: npm run dlq:replay -- <queue> --reinvoke.
        await c.carrier({ refuseCustomers: [] });
        const replay = await c.reinvokeFailures('op-fulfilment', 'PhysicalFailuresQueue');
        check(replay.reinvoked >= 1 && replay.left === 0, 'the record runs its task again', replay);
        const shipped = await eventually(
          async () => {
            const r = await c.fulfilment(token, order.orderId);
            return r.status === 200 && r.body.lines[0]?.status === 'delivered' ? r.body.lines[0] : undefined;
          },
          { timeoutMs: 60_000, what: 'the line shipped and delivered after the re-run' },
        );
        const shipments = await c.carrierShipments(order.orderId);
        check(
          shipments.length === 1 && shipments[0]!.trackingNumber === shipped.shipment?.trackingNumber,
          'one shipment, the one the line shows',
          { shipments, shipped },
        );
        const left = await c.peekQueueMessages('op-fulfilment', 'PhysicalFailuresQueue', (b) =>
          b.includes(order.orderId),
        );
        check(left.length === 0, 'nothing of this order is left in the failure queue', left);
        note({
          patterns: 'P16 P26 P27',
          what: `carrier refused: 2 attempts, then ${record.responsePayload.errorType} + the command in PhysicalFailuresQueue (${failedAfter} ms); cause fixed, re-invoked from the record, delivered`,
          ms: Date.now() - started,
        });
      } finally {
        await c.carrier({ refuseCustomers: [] });
      }
    },
  },
];
