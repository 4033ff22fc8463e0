/**
 * The end-to-end scenarios, written once: the e2e suite runs each as a test, `npm run
 * demo` runs them in order and prints what happened, pattern by pattern. Each follows
 * orders through the services over the public APIs and checks the outcome; a failed
 * check throws.
 */
import { randomUUID } from 'node:crypto';
import { catalogScenarios } from './catalog-scenarios';
import { fulfilmentScenarios } from './fulfilment-scenarios';
import { call, eventually, type OrderView, type PlatformClient } from './client';

export interface Step {
  /** Pattern ids shown by the demo (docs/patterns.md). */
  patterns: string;
  what: string;
  ms?: number;
}

export interface Scenario {
  name: string;
  /** Only where the platform can be driven that far (the local runner's schedules). */
  localOnly?: boolean;
  run(c: PlatformClient, note: (s: Step) => void): Promise<void>;
}

export class CheckFailed extends Error {
  override name = 'CheckFailed';
}

export function check(condition: unknown, message: string, detail?: unknown): asserts condition {
  if (!condition)
    throw new CheckFailed(detail === undefined ? message : `${message}: ${JSON.stringify(detail)}`);
}

const customer = (tag: string) => `c-${tag}-${randomUUID().slice(0, 8)}`;
/** What a customer sends: a SKU and a quantity; the catalog prices it (MUG-LOGO: 12.50 EUR). */
const mug = (quantity = 1) => ({ sku: 'MUG-LOGO', quantity });

/**
 * Puts the simulated provider back to normal and waits until the platform can take
 * payments again: an order placed now must be CONFIRMED. If an earlier failure left the
 * circuit breaker open, the orders placed here are its half-open probes (they fail fast
 * until the cool-down is over); the wait ends on the first confirmed one.
 */
export async function restoreProvider(c: PlatformClient, timeoutMs = 120_000): Promise<number> {
  await c.provider({ mode: 'approve', confirmDelayMs: 300, customers: {} });
  const token = await c.token(customer('probe'));
  const started = Date.now();
  return eventually(
    async () => {
      const probe = await place(c, token, [{ sku: 'STICKER-PACK', quantity: 1 }]);
      const done = await c.waitUntilEnded(token, probe.body.orderId);
      if (done.status === 'CONFIRMED') return Date.now() - started;
      check(
        /^CircuitOpenError/.test(done.statusReason ?? ''),
        'a probe fails only on the open circuit',
        done,
      );
      await new Promise((r) => setTimeout(r, 2_000));
      return undefined;
    },
    { timeoutMs, what: 'an order to be confirmed again (the circuit breaker closed)' },
  );
}

/** Places an order and checks the 201. */
async function place(
  c: PlatformClient,
  token: string,
  lines: { sku: string; quantity: number }[],
  key?: string,
) {
  const r = await c.placeOrder(token, lines, key);
  check(r.status === 201, 'POST /orders answers 201', { status: r.status, body: r.body });
  return r;
}

export const scenarios: Scenario[] = [
  {
    name: 'an order is placed, paid through a signed webhook and confirmed',
    async run(c, note) {
      const who = customer('happy');
      const token = await c.token(who);
      const key = randomUUID();
      const first = await place(c, token, [mug(2)], key);
      note({
        patterns: 'P06 P08',
        what: `order ${first.body.orderId} accepted behind the gatekeeper`,
        ms: first.ms,
      });

      const location = first.headers.get('location') ?? '';
      const followed = await call<OrderView>(new URL(location, c.endpoints.apis.orders).href, { token });
      check(
        followed.status === 200 && followed.body.orderId === first.body.orderId,
        'the Location header is a URL the client can follow',
        { location, status: followed.status },
      );

      const replay = await c.placeOrder(token, [mug(2)], key);
      check(
        replay.status === 201 && replay.body.orderId === first.body.orderId,
        'a retried POST returns the first order',
        replay.body,
      );
      check(
        replay.headers.get('idempotent-replayed') === 'true',
        'the replay says so (idempotent-replayed: true)',
      );
      note({
        patterns: 'P07',
        what: 'the same Idempotency-Key returned the same order, nothing written twice',
        ms: replay.ms,
      });

      const done = await c.waitUntilEnded(token, first.body.orderId);
      check(done.status === 'CONFIRMED', 'the saga confirms the order', done);
      note({
        patterns: 'P02 P03 P09 P20 P01 P31',
        what: 'OrderPlaced -> saga: stock reserved, charged, provider webhook verified and ledgered, CONFIRMED',
        ms: done.waitedMs,
      });

      // Order to cash: the capture is invoiced (document in S3), receipted and exported.
      const billed = await c.waitForBilling(token, who, first.body.orderId, { email: `${who}@example.com` });
      check(
        billed.invoice.amount === done.total && billed.invoice.paymentId === done.paymentId,
        'the invoice is for the captured payment and the order total',
        billed.invoice,
      );
      note({
        patterns: 'P12 P13 P14 P10',
        what: `PaymentCaptured -> invoice ${billed.invoice.invoiceId} + document, receipt, accounting exports`,
        ms: billed.waitedMs,
      });

      const other = await c.getOrder(await c.token(customer('other')), first.body.orderId);
      check(other.status === 404, 'another customer cannot read the order (404)', other.status);
      const list = await c.listOrders(token, who);
      check(
        list.status === 200 && list.body.orders.some((o) => o.orderId === first.body.orderId),
        'the customer lists it',
        list.body,
      );
    },
  },
  {
    name: 'bad input and missing credentials are refused with a reason, and nothing is written',
    async run(c, note) {
      const who = customer('bad');
      const token = await c.token(who);
      const bad = await c.placeOrder(token, [{ sku: 'MUG-LOGO', quantity: 0 }]);
      check(bad.status === 400, 'a bad body is a 400', bad);
      check(JSON.stringify(bad.body).includes('lines.0.quantity'), 'the 400 names the bad field', bad.body);
      const priced = await call(`${c.endpoints.apis.orders}/orders`, {
        token,
        body: { currency: 'EUR', lines: [{ sku: 'MUG-LOGO', quantity: 1, unitPrice: 1 }] },
      });
      check(
        priced.status === 400 && JSON.stringify(priced.body).includes('prices come from the catalog'),
        'a price set by the client is a 400 saying prices come from the catalog',
        priced.body,
      );
      const unknown = await c.placeOrder(token, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
      check(
        unknown.status === 422 && JSON.stringify(unknown.body).includes('NO-SUCH-SKU'),
        'an unknown SKU is a 422 naming it',
        unknown.body,
      );
      const list = await c.listOrders(token, who);
      check(list.status === 200 && list.body.orders.length === 0, 'nothing was written', list.body);
      const anonymous = await c.placeOrder('', [mug()]);
      check(anonymous.status === 401, 'no token is a 401', anonymous.status);
      const forged = await c.placeOrder(`${token.slice(0, -4)}AAAA`, [mug()]);
      check(forged.status === 401 || forged.status === 403, 'a forged token is refused', forged.status);
      note({
        patterns: 'P07 P08',
        what: '400 names the field, client price 400, unknown SKU 422, 401 without a token, forged signature refused, nothing written',
        ms: bad.ms,
      });
    },
  },
  {
    name: 'an order for more than the stock fails and nothing is charged',
    async run(c, note) {
      const token = await c.token(customer('stock'));
      const placed = await place(c, token, [{ sku: 'POSTER-A2', quantity: 50 }]);
      const done = await c.waitUntilEnded(token, placed.body.orderId);
      check(done.status === 'FAILED', 'the saga fails the order', done);
      check(/^OutOfStockError: /.test(done.statusReason ?? ''), 'the reason is OutOfStockError', done);
      note({ patterns: 'P03 P09', what: `out of stock -> FAILED (${done.statusReason})`, ms: done.waitedMs });
    },
  },
  {
    name: 'a declined payment fails the order and releases the stock',
    async run(c, note) {
      const token = await c.token(customer('declined'));
      await c.provider({ mode: 'decline' });
      try {
        const placed = await place(c, token, [mug()]);
        const done = await c.waitUntilEnded(token, placed.body.orderId);
        check(done.status === 'FAILED', 'the saga fails the declined order', done);
        check(
          /^PaymentDeclinedError: .*card_declined/.test(done.statusReason ?? ''),
          "the reason is the provider's decline (card_declined)",
          done.statusReason,
        );
        note({
          patterns: 'P03 P20',
          what: `declined by the provider -> stock released, FAILED (${done.statusReason})`,
          ms: done.waitedMs,
        });
      } finally {
        await c.provider({ mode: 'approve' });
      }
    },
  },
  {
    name: 'a customer cancels while the saga waits for the payment confirmation',
    async run(c, note) {
      const token = await c.token(customer('cancel'));
      await c.provider({ confirmDelayMs: 15_000 });
      try {
        const placed = await place(c, token, [mug()]);
        await c.waitForStatus(token, placed.body.orderId, ['PAYMENT_PENDING']);
        const cancel = await c.cancelOrder(token, placed.body.orderId);
        check(cancel.status === 200 || cancel.status === 202, 'the cancel is accepted', cancel);
        const done = await c.waitUntilEnded(token, placed.body.orderId);
        check(done.status === 'CANCELLED', 'the saga compensates: refund, release, CANCELLED', done);
        check(done.statusReason === 'changed my mind', "the reason is the customer's own", done.statusReason);
        // The order says CANCELLED at once (the customer's write); the saga's refund follows.
        let money = await c.providerOrder(placed.body.orderId);
        const refunded = () =>
          money.charges.every((ch) =>
            money.refunds.some((r) => r.paymentId === ch.id && r.amount === ch.amount),
          );
        await eventually(
          async () => {
            money = await c.providerOrder(placed.body.orderId);
            return refunded() ? true : undefined;
          },
          {
            timeoutMs: 60_000,
            what: 'every charge of the cancelled order to be refunded in full',
            last: () => money,
          },
        );
        note({
          patterns: 'P03 P02',
          what: 'OrderCancelled mid-saga -> refund + release -> CANCELLED',
          ms: done.waitedMs,
        });
      } finally {
        await c.provider({ confirmDelayMs: 300 });
      }
    },
  },
  {
    name: 'reports are read cold then warm, and the dashboard aggregates the parts',
    async run(c, note) {
      const who = customer('report');
      const token = await c.token(who);
      const placed = await place(c, token, [mug(3)]);
      await c.waitForStatus(token, placed.body.orderId, ['CONFIRMED']);
      // The projection is eventually consistent: wait for the summary to count the order.
      const started = Date.now();
      const confirmed = (r: { body: unknown }) =>
        (r.body as { orders?: { confirmed?: number } }).orders?.confirmed;
      const summaryPath = `/reports/customers/${who}/summary`;
      let summary = await c.report(token, summaryPath);
      // A customer nobody has read before: the first read cannot have been cached.
      const cold = summary.headers.get('x-cache');
      check(cold === 'miss', 'the first read of a new customer summary is a miss (cold)', cold);
      while (confirmed(summary) !== 1 && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 300));
        summary = await c.report(token, summaryPath);
      }
      check(
        summary.status === 200 && confirmed(summary) === 1,
        'the summary counts the confirmed order',
        summary.body,
      );
      note({ patterns: 'P04', what: 'stream -> Postgres projection caught up', ms: Date.now() - started });

      // Warm: a read right after a read is served from Redis. Invalidation is event-driven
      // (P05), so this order's own OrderConfirmed may still land between two reads and
      // rightly drop the entry: read pairs until one pair is undisturbed.
      const warmStarted = Date.now();
      let warm = await c.report(token, summaryPath);
      let pairs = 1;
      while (warm.headers.get('x-cache') !== 'hit' && Date.now() - warmStarted < 30_000) {
        await c.report(token, summaryPath);
        warm = await c.report(token, summaryPath);
        pairs++;
      }
      check(
        warm.status === 200 && warm.headers.get('x-cache') === 'hit' && confirmed(warm) === 1,
        'a read right after a read is a cache hit with the same answer',
        { status: warm.status, cache: warm.headers.get('x-cache'), pairs },
      );
      note({
        patterns: 'P05',
        what: `customer summary: ${cold} first, then hit ${warm.ms} ms (${pairs} read pair(s))`,
      });

      const admin = await c.token('ops-admin', 'admin');
      const day = new Date().toISOString().slice(0, 10);
      const sales = await c.report(admin, `/reports/sales/daily?from=${day}&to=${day}`);
      const top = await c.report(admin, `/reports/products/top?limit=5`);
      check(sales.status === 200 && top.status === 200, 'the admin reports answer', [
        sales.status,
        top.status,
      ]);
      const forbidden = await c.report(token, `/reports/products/top?limit=5`);
      check(forbidden.status === 403, 'a customer cannot read the admin reports (403)', forbidden.status);

      const partsOf = (r: { body: unknown }) =>
        (r.body as { parts?: Record<string, { status: string }> }).parts ?? {};
      let dash = await c.dashboard(token, who);
      check(dash.status === 200, 'the dashboard answers', dash);
      // Each part has a deadline of its own (1.5-2 s): a cold part may miss it on the first
      // read and be marked, which is the aggregator doing its job. Read until all answer.
      let lastParts = partsOf(dash);
      dash = await eventually(
        async () => {
          const r = await c.dashboard(token, who);
          lastParts = partsOf(r);
          return ['orders', 'summary', 'billing'].every((p) => lastParts[p]?.status === 'ok') ? r : undefined;
        },
        {
          timeoutMs: 30_000,
          what: 'every part of the dashboard, billing included, to answer',
          last: () => lastParts,
        },
      );
      note({
        patterns: 'P11',
        what: `dashboard parts: ${Object.entries(
          (dash.body as { parts?: Record<string, { status: string }> }).parts ?? {},
        )
          .map(([k, v]) => `${k}=${v.status}`)
          .join(', ')}`,
        ms: dash.ms,
      });
    },
  },
  {
    name: 'the shop strangles its legacy storefront: migrated routes answer from Lambda, the rest from the monolith',
    // The legacy storefront of a deployed stage is the user's own monolith.
    localOnly: true,
    async run(c, note) {
      const shop = c.endpoints.apis.storefront;
      check(shop, 'the storefront API is deployed', c.endpoints.apis);
      const legacyWord = 'legacy-storefront';
      const account = await call<{ page: string; servedBy: string }>(`${shop}/account`);
      check(
        account.status === 200 && account.headers.get('x-served-by') === legacyWord,
        'an unmigrated route (GET /account) answers from the legacy storefront',
        account,
      );
      const added = await call<{ added: unknown; servedBy: string }>(`${shop}/wishlist`, {
        body: { sku: 'MUG-LOGO' },
      });
      check(
        added.status === 201 && JSON.stringify(added.body.added) === '{"sku":"MUG-LOGO"}',
        'a POST to an unmigrated route reaches the monolith with its body',
        added,
      );
      note({
        patterns: 'P21',
        what: 'GET /account and POST /wishlist proxied to the legacy storefront',
        ms: account.ms,
      });

      const moved = await call<{ sku: string; prices: Record<string, number> }>(`${shop}/products/MUG-LOGO`);
      const direct = await call<{ sku: string; prices: Record<string, number> }>(
        `${c.endpoints.apis.catalog}/products/MUG-LOGO`,
      );
      check(
        moved.status === 200 && moved.headers.get('x-served-by') === null,
        'a migrated route (GET /products/{sku}) is not served by the monolith',
        moved,
      );
      check(
        moved.body.sku === 'MUG-LOGO' &&
          JSON.stringify(moved.body.prices) === JSON.stringify(direct.body.prices),
        'it answers from the catalog function, as the catalog API does',
        { moved: moved.body, direct: direct.body },
      );
      const other = await call<{ servedBy?: string }>(`${shop}/products/MUG-LOGO`, { method: 'DELETE' });
      check(
        other.headers.get('x-served-by') === legacyWord,
        'a method that did not move (DELETE) on a migrated path still reaches the monolith',
        other,
      );
      note({
        patterns: 'P21',
        what: 'GET /products/{sku} served by the catalog Lambda through the same API',
        ms: moved.ms,
      });
    },
  },
  {
    name: 'a carrier update goes through API Gateway straight to SQS, with its API key and model',
    async run(c, note) {
      const token = await c.token(customer('carrier'));
      const placed = await place(c, token, [mug()]);
      const update = {
        eventId: `evt_${randomUUID().slice(0, 8)}`,
        orderId: placed.body.orderId,
        carrier: 'dhl',
        trackingNumber: 'JD0002',
        status: 'in_transit',
        occurredAt: new Date().toISOString(),
      };
      const noKey = await c.carrierUpdate(update, '');
      check(noKey.status === 403, 'no API key is a 403', noKey);
      const invalid = await c.carrierUpdate({ ...update, status: 'lost-in-space' });
      check(invalid.status === 400, 'a body that breaks the model is a 400', invalid);
      const ok = await c.carrierUpdate(update);
      check(ok.status === 202, 'a valid update is queued (202)', ok);
      note({
        patterns: 'P28',
        what: '403 without key, 400 from the model validator, 202 queued without a Lambda',
        ms: ok.ms,
      });
    },
  },
  {
    name: 'the nightly rollup runs on its schedule',
    localOnly: true,
    async run(c, note) {
      const started = Date.now();
      const name = await c.fireSchedule('NightlyRollup');
      note({ patterns: 'P29', what: `${name} fired and finished`, ms: Date.now() - started });
    },
  },
  {
    name: 'a provider outage trips the circuit breaker: later orders fail fast, then it closes again',
    async run(c, note) {
      const token = await c.token(customer('outage'));
      await c.provider({ mode: 'fail' });
      try {
        const before = (await c.providerStats()).requests.charges;
        const outcomes: OrderView[] = [];
        for (let i = 0; i < 7; i++) {
          const placed = await place(c, token, [mug()]);
          outcomes.push(await c.waitUntilEnded(token, placed.body.orderId));
        }
        const reached = (await c.providerStats()).requests.charges - before;
        check(
          outcomes.every((o) => o.status === 'FAILED'),
          'every order fails while the provider is down',
          outcomes,
        );
        check(
          /^CircuitOpenError: /.test(outcomes[outcomes.length - 1]!.statusReason ?? ''),
          'the last ones fail on the open circuit (CircuitOpenError)',
          outcomes.map((o) => o.statusReason),
        );
        check(reached < outcomes.length * 2, 'the provider stops being called once the circuit is open', {
          reached,
        });
        note({
          patterns: 'P20',
          what: `7 orders during the outage: provider called ${reached} times, then the circuit failed them fast`,
        });
      } finally {
        const healed = await restoreProvider(c);
        note({ patterns: 'P20', what: 'provider back: a half-open probe closed the circuit', ms: healed });
      }
    },
  },
  {
    name: 'no money is kept for an order that did not complete: lost answers, a late capture and a double capture are put right',
    async run(c, note) {
      const who = {
        lost500: customer('lost500'),
        lostTimeout: customer('losttimeout'),
        late: customer('late'),
        twice: customer('twice'),
      };
      // Each customer's charges get their own failure; the lost answers' webhooks come
      // after the saga has given up, the late charge only after its look-up.
      await c.provider({
        customers: {
          [who.lost500]: { mode: 'error-after-charge', confirmDelayMs: 40_000 },
          [who.lostTimeout]: { mode: 'timeout-after-charge', confirmDelayMs: 40_000 },
          [who.late]: { mode: 'charge-late', confirmDelayMs: 30_000 },
          [who.twice]: { mode: 'double-capture' },
        },
      });
      const started = Date.now();
      try {
        const orders = await Promise.all(
          Object.entries(who).map(async ([name, id]) => {
            const token = await c.token(id);
            const placed = await place(c, token, [mug()]);
            const done = await c.waitUntilEnded(token, placed.body.orderId, 150_000);
            return [name, done] as const;
          }),
        );
        const by = Object.fromEntries(orders);
        for (const name of ['lost500', 'lostTimeout', 'late'] as const) {
          check(by[name]!.status === 'FAILED', `the ${name} order fails`, by[name]);
          check(
            /^PaymentOutcomeUnknownError: /.test(by[name]!.statusReason ?? ''),
            `the ${name} order's reason is the unknown outcome`,
            by[name]!.statusReason,
          );
        }
        check(by.twice!.status === 'CONFIRMED', 'the double-captured order is confirmed', by.twice);
        for (const name of ['lost500', 'lostTimeout'] as const) {
          const held = await c.providerOrder(by[name]!.orderId);
          check(
            held.charges.length === 1 &&
              held.refunds.length === 1 &&
              held.refunds[0]!.amount === held.charges[0]!.amount,
            `the ${name} capture was found by the saga and refunded exactly once`,
            held,
          );
        }
        note({
          patterns: 'P03 P20',
          what: 'answers lost after capture (500, timeout) -> looked up, refunded once, FAILED',
          ms: Date.now() - started,
        });

        // The late charge and the second capture: the reconciler's (P29), on its schedule.
        const reconciled = Date.now();
        const putRight = await eventually(
          async () => {
            await c.fireSchedule('ReconcilePayments');
            const late = await c.providerOrder(by.late!.orderId);
            const twice = await c.providerOrder(by.twice!.orderId);
            const ok =
              late.charges.length === 1 &&
              late.refunds.length === 1 &&
              twice.charges.length === 2 &&
              twice.refunds.length === 1;
            return ok ? { late, twice } : undefined;
          },
          { timeoutMs: 90_000, what: 'the late capture and the second capture to be refunded' },
        );
        check(
          putRight.twice.refunds[0]!.paymentId !== by.twice!.paymentId,
          'the refunded capture is the second one, not the one the order was confirmed on',
          putRight.twice,
        );
        note({
          patterns: 'P29',
          what: 'reconciler: the capture that came after the saga failed and the second capture refunded once each',
          ms: Date.now() - reconciled,
        });
      } finally {
        await restoreProvider(c);
      }
    },
  },
  ...catalogScenarios,
  ...fulfilmentScenarios,
];
