/**
 * A chaos run against the local platform (`npm run chaos`, the chaos e2e test): puts a
 * fault profile in force (POST /_local/faults), places orders of every kind the platform
 * must get right under failure, waits until the platform is quiet, clears the faults,
 * then runs the one reconciliation check (reconcile.ts) and explains every message left
 * in a dead-letter queue by the faults injected into the functions that feed it.
 *
 * Order kinds: approvals; declines (customers the simulated provider declines); out of
 * stock (more than the SKU holds); cancels mid-saga; client retries (the same
 * Idempotency-Key sent twice at once, then again); concurrent orders for the last units
 * of a SKU (each asks for all that is left, at most one may win).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { xoroshiro128plus } from 'pure-rand';
import { SHIPMENT_PROGRESS } from '../../services/fulfilment/src/domain/fulfilment';
import { call, type OrderView, type PlatformClient, type Reply } from './client';
import { isDeadLetterQueue, reconcileRun, seededStock } from './reconcile';
import { restoreProvider } from './scenarios';

export const ORDER_KINDS = [
  'approve',
  'decline',
  'out-of-stock',
  'cancel',
  'client-retry',
  'last-unit',
] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** The mix: shares of the orders placed, in the order of ORDER_KINDS. */
const MIX: Record<OrderKind, number> = {
  approve: 0.45,
  decline: 0.1,
  'out-of-stock': 0.1,
  cancel: 0.15,
  'client-retry': 0.1,
  'last-unit': 0.1,
};

/** The SKU the last-unit orders race for (3 in the demo catalog) and the one out of stock asks too much of. */
const SCARCE_SKU = 'POSTER-A2';
const OUT_OF_STOCK = { sku: 'HOODIE-GREY-M', quantity: 1000 };
const EVERYDAY_SKUS = ['MUG-LOGO', 'STICKER-PACK', 'TSHIRT-BLACK-M'];

export interface ChaosOptions {
  orders: number;
  seed: number;
  /** The fault profile (local/src/faults/profile.ts); its seed is replaced by `seed`. */
  profile: Record<string, unknown>;
  /** Place the orders over this long (the profile's windows fall among them); default: at once, 4 at a time. */
  spreadMs?: number;
  concurrency?: number;
  /** The run started this platform: stock totals are checked against the seeded catalog. */
  freshPlatform?: boolean;
  /** Deadline for the orders to end and the platform to be quiet (default 10 min). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface DeadLetterLine {
  queue: string;
  /** Messages this run left there. */
  count: number;
  /** The injected faults that explain them (undefined: unexplained). */
  explainedBy?: string;
}

export interface ChaosReport {
  orders: number;
  placed: number;
  /** Orders the API never accepted (5xx after every retry): none is lost, none is charged. */
  notPlaced: number;
  byStatus: Record<string, number>;
  byKind: Record<string, Record<string, number>>;
  /** Why the FAILED orders failed (the order's statusReason, its error name). */
  failedBecause: Record<string, number>;
  deadLetters: DeadLetterLine[];
  /** What the confirmed orders' lines came to (fulfilment and the carrier). */
  fulfilment: FulfilmentTally;
  violations: string[];
  checked: string[];
  faults: Record<string, number>;
  ordersPerSecond: number;
  timeToQuietMs: number;
  durationMs: number;
}

export interface FulfilmentTally {
  /** Lines of CONFIRMED orders. */
  lines: number;
  /** ... delivered (physical), ready (digital) or issued (gift card). */
  fulfilled: number;
  /** ... not fulfilled, their failure kept in a fulfilment failure queue for an operator. */
  heldForOperator: number;
  /** ... stopped short because the carrier gave up sending an update the platform kept refusing (its 3 tries). */
  updatesGivenUp: number;
  /** Shipments the carrier booked for this run's orders. */
  shipments: number;
}

interface Placed {
  kind: OrderKind;
  token: string;
  orderIds: string[];
  /** last-unit: what each order of the race asked for, and what was left when it started. */
  race?: { available: number };
}

interface FaultsView {
  active: string[];
  windows: { kind: string; state: string }[];
  counts: Record<string, number>;
  events: { fault: string; target: string }[];
  failuresDuringOutages: Record<string, Record<string, number>>;
  deadLetterFeeds: Record<string, string[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded source of numbers in [0, 1): the same seed plans the same run. */
function random(seed: number): () => number {
  const g = xoroshiro128plus(seed);
  return () => (g.unsafeNext() >>> 0) / 2 ** 32;
}

function planOf(orders: number, rnd: () => number): OrderKind[] {
  const plan: OrderKind[] = [];
  for (let i = 0; i < orders; i++) {
    let r = rnd();
    let kind: OrderKind = 'approve';
    for (const k of ORDER_KINDS) {
      if (r < MIX[k]) {
        kind = k;
        break;
      }
      r -= MIX[k];
    }
    plan.push(kind);
  }
  // A small run still has one of each kind.
  if (orders >= ORDER_KINDS.length) ORDER_KINDS.forEach((k, i) => (plan[i * Math.floor(orders / 6)] = k));
  return plan;
}

async function control<T>(c: PlatformClient, method: string, path: string, body?: unknown): Promise<T> {
  const r = await call<T>(`${c.endpoints.controlUrl}${path}`, {
    method,
    ...(body !== undefined ? { body } : {}),
  });
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * A client that retries what a 5xx or a dropped connection interrupted, with the same
 * Idempotency-Key: an order is placed at most once however often it is sent.
 */
async function placeWithRetries(
  c: PlatformClient,
  token: string,
  lines: { sku: string; quantity: number }[],
  key = randomUUID(),
): Promise<Reply<OrderView> | undefined> {
  for (let attempt = 1; attempt <= 6; attempt++) {
    const r = await c.placeOrder(token, lines, key).catch(() => undefined);
    if (r && r.status < 500) return r;
    await sleep(300 * attempt);
  }
  return undefined;
}

export async function runChaos(c: PlatformClient, opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 600_000);
  const rnd = random(opts.seed);
  const { engines } = await c.localInfo();
  const sqs = new SQSClient({
    endpoint: engines.moto,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queues = (await c.resources()).filter((r) => r.type === 'AWS::SQS::Queue');
  const dlqs = queues.filter((q) => isDeadLetterQueue(q.logicalId));
  const work = queues.filter((q) => !isDeadLetterQueue(q.logicalId));
  // What the DLQs held before: a long-lived platform's older messages are not this run's.
  const before = new Map<string, number>();
  for (const q of dlqs) before.set(`${q.service}/${q.logicalId}`, await queueDepth(sqs, q.physicalId));

  const plan = planOf(opts.orders, rnd);
  const declined = plan.map((k, i) => (k === 'decline' ? `c-chaos-decline-${opts.seed}-${i}` : undefined));
  await c.provider({
    customers: Object.fromEntries(declined.filter(Boolean).map((id) => [id!, { mode: 'decline' }])),
  });
  await control(c, 'POST', '/_local/faults', { ...opts.profile, seed: opts.seed });
  log(`chaos: ${opts.orders} orders, seed ${opts.seed}: ${JSON.stringify(countBy(plan))}`);

  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: engines.moto,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const inventory = await c.resource('op-inventory', 'InventoryTable');
  const available = async (sku: string) =>
    Number(
      (await doc.send(new GetCommand({ TableName: inventory, Key: { PK: `SKU#${sku}`, SK: 'STOCK' } }))).Item
        ?.available ?? 0,
    );

  const violations: string[] = [];
  const placed: Placed[] = [];
  let notPlaced = 0;
  const placeOne = async (kind: OrderKind, i: number): Promise<void> => {
    const customer = declined[i] ?? `c-chaos-${kind}-${opts.seed}-${i}`;
    const token = await c.token(customer);
    const everyday = () => [
      { sku: EVERYDAY_SKUS[Math.floor(rnd() * EVERYDAY_SKUS.length)]!, quantity: 1 + Math.floor(rnd() * 2) },
    ];
    const one = (r: Reply<OrderView> | undefined) => {
      if (r?.status === 201) return [r.body.orderId];
      notPlaced++;
      return [];
    };
    if (kind === 'approve' || kind === 'decline') {
      placed.push({ kind, token, orderIds: one(await placeWithRetries(c, token, everyday())) });
    } else if (kind === 'out-of-stock') {
      placed.push({ kind, token, orderIds: one(await placeWithRetries(c, token, [OUT_OF_STOCK])) });
    } else if (kind === 'cancel') {
      const ids = one(await placeWithRetries(c, token, everyday()));
      placed.push({ kind, token, orderIds: ids });
      // Mid-saga: somewhere between placed and paid (a 409 once it has ended is an answer too).
      await sleep(Math.floor(rnd() * 1500));
      for (const id of ids) {
        for (let attempt = 1; attempt <= 6; attempt++) {
          const r = await c.cancelOrder(token, id).catch(() => undefined);
          if (r && r.status < 500) break;
          await sleep(300 * attempt);
        }
      }
    } else if (kind === 'client-retry') {
      const key = randomUUID();
      const lines = everyday();
      const answers = await Promise.all([
        placeWithRetries(c, token, lines, key),
        placeWithRetries(c, token, lines, key),
      ]);
      answers.push(await placeWithRetries(c, token, lines, key));
      const ids = [...new Set(answers.filter((a) => a?.status === 201).map((a) => a!.body.orderId))];
      if (ids.length > 1) violations.push(`client retry: Idempotency-Key ${key} created ${ids.join(', ')}`);
      const conflicts = answers.filter((a) => a && a.status !== 201 && a.status !== 409);
      if (conflicts.length)
        violations.push(`client retry: key ${key} answered ${conflicts.map((a) => a!.status).join(', ')}`);
      if (!ids.length) notPlaced++;
      placed.push({ kind, token, orderIds: ids });
    } else {
      const left = Math.max(1, await available(SCARCE_SKU));
      const race = await Promise.all(
        [0, 1, 2].map(() => placeWithRetries(c, token, [{ sku: SCARCE_SKU, quantity: left }])),
      );
      const ids = race.filter((r) => r?.status === 201).map((r) => r!.body.orderId);
      notPlaced += race.length - ids.length;
      placed.push({ kind, token, orderIds: ids, race: { available: left } });
    }
  };

  const concurrency = opts.concurrency ?? 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= plan.length) return;
        if (opts.spreadMs) {
          const due = started + Math.floor((i * opts.spreadMs) / plan.length);
          if (due > Date.now()) await sleep(due - Date.now());
        }
        await placeOne(plan[i]!, i);
      }
    }),
  );
  const placedAt = Date.now();
  log(
    `chaos: ${placed.reduce((n, p) => n + p.orderIds.length, 0)} orders placed in ${placedAt - started} ms`,
  );

  // Every order ends (or the deadline passes: the check below reports it as not finished).
  const views = new Map<string, OrderView>();
  for (const p of placed)
    for (const id of p.orderIds) {
      const v = await c
        .waitUntilEnded(p.token, id, Math.max(1_000, deadline - Date.now()))
        .catch(() => undefined);
      if (v) views.set(id, v);
    }

  // Quiet: every outage over, every work queue empty, every execution ended, and no
  // function invoked between two looks a few seconds apart.
  let invocations = -1;
  let quietAt: number | undefined;
  while (Date.now() < deadline) {
    const f = await control<FaultsView>(c, 'GET', '/_local/faults');
    const executions = await control<{ status: string }[]>(c, 'GET', '/_local/executions');
    const functions = await control<{ invocations: number }[]>(c, 'GET', '/_local/functions');
    const pending = await control<{ asyncInvocations: number }>(c, 'GET', '/_local/pending');
    const depths = await Promise.all(work.map((q) => queueDepth(sqs, q.physicalId)));
    const total = functions.reduce((n, fn) => n + fn.invocations, 0);
    const quiet =
      f.windows.every((w) => w.state === 'over') &&
      executions.every((e) => e.status !== 'RUNNING') &&
      pending.asyncInvocations === 0 &&
      depths.every((d) => d === 0) &&
      total === invocations;
    invocations = total;
    if (quiet) {
      quietAt = Date.now();
      break;
    }
    await sleep(3_000);
  }
  const timeToQuietMs = (quietAt ?? Date.now()) - started;
  if (!quietAt) violations.push(`the platform was not quiet within ${opts.timeoutMs ?? 600_000} ms`);

  const faults = await control<FaultsView>(c, 'GET', '/_local/faults');
  // The platform is left healthy: no faults, the provider approving, the breaker closed.
  await control(c, 'DELETE', '/_local/faults');
  await restoreProvider(c);

  // Each DLQ message this run left is explained by the faults injected into a function
  // that fails into that queue, or by that function's own failures while an outage was open.
  const hits = new Map<string, Map<string, number>>();
  for (const e of faults.events) {
    const m = hits.get(e.target) ?? new Map<string, number>();
    m.set(e.fault, (m.get(e.fault) ?? 0) + 1);
    hits.set(e.target, m);
  }
  const deadLetters: DeadLetterLine[] = [];
  const expectedDeadLetters: Record<string, number> = {};
  for (const q of dlqs) {
    const key = `${q.service}/${q.logicalId}`;
    const base = before.get(key) ?? 0;
    expectedDeadLetters[key] = base;
    const count = (await queueDepth(sqs, q.physicalId)) - base;
    if (count <= 0) continue;
    const causes = (faults.deadLetterFeeds[key] ?? []).flatMap((fn) => [
      ...[...(hits.get(fn) ?? [])].map(([fault, n]) => `${fault} x${n} in ${fn.replace(/^op-/, '')}`),
      ...Object.entries(faults.failuresDuringOutages[fn] ?? {}).map(
        ([outage, n]) => `${n} failures of ${fn.replace(/^op-/, '')} during the ${outage}`,
      ),
    ]);
    const explainedBy = causes.length ? causes.join('; ') : undefined;
    if (explainedBy) expectedDeadLetters[key] = base + count;
    deadLetters.push({ queue: key, count, ...(explainedBy ? { explainedBy } : {}) });
  }

  // Fulfilment: what the confirmed orders' lines came to, and nothing for the others.
  const fulfilmentHeld = await heldMessages(
    sqs,
    dlqs.filter((q) => q.service === 'op-fulfilment'),
  );
  const fulfilment = await checkFulfilment(c, placed, views, fulfilmentHeld, violations);

  const report = await reconcileRun(c, {
    expectedDeadLetters,
    ...(opts.freshPlatform ? { received: seededStock(), everyOrder: true } : { stockTotals: false }),
    timeoutMs: Math.max(60_000, deadline - Date.now()),
    log,
  });
  violations.push(...report.violations);
  // What the ledger holds for each order a violation names: the first thing to read.
  const named = [...new Set(report.violations.flatMap((v) => /ord_\w+/.exec(v)?.[0] ?? []))];
  if (named.length) {
    const db = new pg.Client({ connectionString: engines.postgres });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT order_id, payment_id, kind, amount, entry_id, recorded_at FROM payments.ledger_entries
         WHERE order_id = ANY($1::text[]) ORDER BY recorded_at`,
        [named],
      );
      for (const r of rows) log(`ledger: ${JSON.stringify(r)}`);
    } finally {
      await db.end();
    }
  }

  // The race for the last units: the stock it had is the most the winners may hold.
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  const failedBecause: Record<string, number> = {};
  for (const p of placed) {
    for (const id of p.orderIds) {
      const status = views.get(id)?.status ?? 'NOT FINISHED';
      if (status === 'FAILED') {
        const reason = /^[\w.]+/.exec(views.get(id)?.statusReason ?? '')?.[0] ?? '(none)';
        failedBecause[reason] = (failedBecause[reason] ?? 0) + 1;
      }
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      byKind[p.kind] ??= {};
      byKind[p.kind]![status] = (byKind[p.kind]![status] ?? 0) + 1;
    }
    if (p.race) {
      const won = p.orderIds.filter((id) => views.get(id)?.status === 'CONFIRMED').length;
      if (won > 1)
        violations.push(`last units of ${SCARCE_SKU}: ${won} orders won ${p.race.available} units`);
    }
  }
  const placedCount = placed.reduce((n, p) => n + p.orderIds.length, 0);
  return {
    orders: opts.orders,
    placed: placedCount,
    notPlaced,
    byStatus,
    byKind,
    failedBecause,
    deadLetters,
    fulfilment,
    violations,
    checked: [
      ...report.checked,
      'fulfilment: one shipment per line, tracking forward only, nothing for unpaid orders',
    ],
    faults: faults.counts,
    ordersPerSecond: placedCount / Math.max(0.001, timeToQuietMs / 1000),
    timeToQuietMs,
    durationMs: Date.now() - started,
  };
}

/** The bodies of the messages in these queues, read without deleting them (hidden 30 s, then back). */
async function heldMessages(sqs: SQSClient, queues: { physicalId: string }[]): Promise<string> {
  const bodies: string[] = [];
  for (const q of queues) {
    const depth = await queueDepth(sqs, q.physicalId);
    for (let seen = 0; seen < depth;) {
      const r = await sqs.send(
        // Hidden for a while so the next receive gets the next ones; they come back by themselves.
        new ReceiveMessageCommand({ QueueUrl: q.physicalId, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
      );
      if (!r.Messages?.length) break;
      seen += r.Messages.length;
      bodies.push(...r.Messages.map((m) => m.Body ?? ''));
    }
  }
  return bodies.join('\n');
}

const noFulfilment = (): FulfilmentTally => ({
  lines: 0,
  fulfilled: 0,
  heldForOperator: 0,
  updatesGivenUp: 0,
  shipments: 0,
});

const FULFILLED = new Set(['delivered', 'ready', 'issued', 'redeemed']);
const rank = (status: string) => SHIPMENT_PROGRESS.indexOf(status as (typeof SHIPMENT_PROGRESS)[number]);

/**
 * Every line of a CONFIRMED order is fulfilled, or its failure waits in a fulfilment
 * failure queue; a physical line has one shipment at the carrier (lost answers and
 * retries book nothing twice) and shows the furthest update the carrier delivered (late,
 * repeated and reordered updates never move it back); an order that was not confirmed
 * has no shipment and no fulfilment at all.
 */
async function checkFulfilment(
  c: PlatformClient,
  placed: Placed[],
  views: Map<string, OrderView>,
  held: string,
  violations: string[],
): Promise<FulfilmentTally> {
  const tally = noFulfilment();
  // The carrier's last updates may still be on their way when the platform looks quiet:
  // an order whose lines do not add up yet is looked at again, until a generous deadline.
  const deadline = Date.now() + 90_000;
  for (const p of placed)
    for (const id of p.orderIds) {
      let seen = await fulfilmentOf(c, p.token, id, views.get(id), held);
      while (seen.problems.length && Date.now() < deadline) {
        await sleep(2_000);
        seen = await fulfilmentOf(c, p.token, id, views.get(id), held);
      }
      for (const k of Object.keys(tally) as (keyof FulfilmentTally)[]) tally[k] += seen.tally[k];
      violations.push(...seen.problems);
    }
  return tally;
}

/** One order's fulfilment against the carrier's bookings: its share of the tally, and what does not add up. */
async function fulfilmentOf(
  c: PlatformClient,
  token: string,
  id: string,
  view: OrderView | undefined,
  held: string,
): Promise<{ tally: FulfilmentTally; problems: string[] }> {
  const tally = noFulfilment();
  const problems: string[] = [];
  const shipments = await c.carrierShipments(id);
  tally.shipments = shipments.length;
  if (view?.status !== 'CONFIRMED') {
    if (shipments.length)
      problems.push(
        `fulfilment: ${id} is ${view?.status ?? 'not finished'} and has ${shipments.length} shipment(s)`,
      );
    return { tally, problems };
  }
  const r = await c.fulfilment(token, id);
  const lines = r.status === 200 ? r.body.lines : [];
  tally.lines = view.lines.length;
  const physical = lines.filter((l) => l.kind === 'physical');
  if (shipments.length > physical.length)
    problems.push(
      `fulfilment: ${id} has ${shipments.length} shipments for ${physical.length} physical line(s)`,
    );
  for (const line of lines) {
    const booking =
      line.shipment && shipments.find((s) => s.trackingNumber === line.shipment!.trackingNumber);
    const furthest = booking?.delivered.reduce((a, s) => (rank(s) > rank(a) ? s : a), 'booked');
    if (FULFILLED.has(line.status) && (line.kind !== 'physical' || furthest === line.status)) {
      tally.fulfilled++;
      continue;
    }
    if (held.includes(id)) {
      tally.heldForOperator++;
      continue;
    }
    // The platform shows all it accepted; the carrier gave up an update it kept refusing.
    const givenUp = booking?.failed
      .map((f) => f.split(':')[0]!)
      .filter((s) => !booking.delivered.includes(s));
    if (furthest === line.status && givenUp?.length) {
      tally.updatesGivenUp++;
      continue;
    }
    problems.push(
      line.kind === 'physical' && furthest && rank(furthest) !== rank(line.status)
        ? `fulfilment: ${id} line ${line.lineNo} shows ${line.status}, the carrier delivered ${furthest}`
        : `fulfilment: ${id} line ${line.lineNo} is ${line.status}${line.problem ? ` (${line.problem})` : ''}, and no failure queue holds it`,
    );
  }
  if (lines.length < view.lines.length) {
    if (held.includes(id)) tally.heldForOperator += view.lines.length - lines.length;
    else
      problems.push(
        `fulfilment: ${id} shows ${lines.length} of its ${view.lines.length} lines, and no failure queue holds it`,
      );
  }
  return { tally, problems };
}

function countBy(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of list) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** The run as a table: what a reader needs to judge it at a glance. */
export function formatChaos(r: ChaosReport): string {
  const row = (a: string, b: string | number) => `  ${a.padEnd(44)} ${b}`;
  const lines = [
    'orders by terminal state',
    ...Object.entries(r.byStatus).map(([s, n]) => row(s, n)),
    row('not accepted (5xx after 6 tries)', r.notPlaced),
    '',
    'orders by kind',
    ...Object.entries(r.byKind).map(([k, s]) =>
      row(
        k,
        Object.entries(s)
          .map(([st, n]) => `${st} ${n}`)
          .join(', '),
      ),
    ),
    '',
    'why the FAILED orders failed',
    ...Object.entries(r.failedBecause).map(([k, n]) => row(k, n)),
    '',
    'faults injected',
    ...Object.entries(r.faults).map(([k, n]) => row(k, n)),
    '',
    'fulfilment of the CONFIRMED orders',
    row('lines', r.fulfilment.lines),
    row('fulfilled (delivered, ready, issued)', r.fulfilment.fulfilled),
    row('held in a failure queue for an operator', r.fulfilment.heldForOperator),
    row('short of delivered: the carrier gave up an update', r.fulfilment.updatesGivenUp),
    row('shipments booked at the carrier', r.fulfilment.shipments),
    '',
    'messages left in dead-letter queues',
    ...(r.deadLetters.length
      ? r.deadLetters.map((d) => row(`${d.queue} (${d.count})`, d.explainedBy ?? 'UNEXPLAINED'))
      : [row('(none)', '')]),
    '',
    `invariant violations: ${r.violations.length}`,
    ...r.violations.map((v) => `  VIOLATION ${v}`),
    '',
    row('orders placed', `${r.placed} (${r.orders} planned)`),
    row('orders/s (placed / time to quiet)', r.ordersPerSecond.toFixed(2)),
    row('time to quiet', `${(r.timeToQuietMs / 1000).toFixed(1)} s`),
    row('whole run (with reconciliation)', `${(r.durationMs / 1000).toFixed(1)} s`),
  ];
  return lines.join('\n');
}

/** Whether the run passed: no violation, every DLQ message explained. */
export function chaosPassed(r: ChaosReport): boolean {
  return r.violations.length === 0 && r.deadLetters.every((d) => d.explainedBy);
}
