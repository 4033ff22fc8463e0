/**
 * The reconciliation check against the running platform (local runner): gathers, for
 * every order a run placed, what each service holds (the order, the ledger's money,
 * the stock and the reservation, invoices and receipts, whatever is left in a DLQ)
 * and hands it to the pure check (test-support/src/reconciliation.ts).
 *
 * Money settles asynchronously (webhooks, refunds, the reconciler's schedule), so
 * `reconcileRun` fires the reconciler and polls until the check passes or its deadline
 * passes, then reports what it checked and every violation left.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import {
  checkReconciliation,
  formatReport,
  ledgerMoney,
  type ReconciliationFacts,
  type ReconciliationReport,
} from '../../test-support/src/reconciliation';
import type { PlatformClient } from './client';
import { repoRoot } from './target';

const aws = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function batchGet(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, string>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
      [table]: { Keys: keys.slice(i, i + 100) },
    };
    while (request && Object.keys(request).length) {
      const out = await doc.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...((out.Responses?.[table] ?? []) as Record<string, unknown>[]));
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return items;
}

/** What `npm run dev` loads: the stock column of the demo catalog CSV, per SKU (a fresh platform's stock received). */
export function seededStock(): Map<string, number> {
  const rows = parse(
    readFileSync(join(repoRoot, 'services', 'catalog', 'seed', 'demo-catalog.csv'), 'utf8'),
    {
      columns: true,
      skip_empty_lines: true,
    },
  ) as { sku: string; stock: string }[];
  return new Map(rows.filter((r) => r.stock !== '').map((r) => [r.sku, Number(r.stock)]));
}

export interface GatherOptions {
  /** Stock received per SKU, when the run knows it (a platform it started fresh). */
  received?: Map<string, number>;
  /** DLQ messages the run caused on purpose: queue logical id → count. */
  expectedDeadLetters?: Record<string, number>;
  /** Look into the DLQs (default true); a demo on a long-lived platform leaves them alone. */
  deadLetters?: boolean;
  /**
   * Compare each SKU's stock with what this run's confirmed orders hold (default true):
   * true only on a platform this run started, where nobody else holds stock.
   */
  stockTotals?: boolean;
  /**
   * Check every order in the orders table, not only those this client placed: the e2e
   * suite's files share one platform, and its stock totals hold all their orders.
   */
  everyOrder?: boolean;
}

/** A queue that holds what failed (by its logical id: the stacks' naming convention). */
export const isDeadLetterQueue = (logicalId: string) =>
  /(DeadLetter|Failure|Failures|Dlq|DLQ)/.test(logicalId);

/** Every order id in the orders table (its order items, SK = ORDER). */
async function everyOrderId(doc: DynamoDBDocumentClient, table: string): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'SK = :order',
        ExpressionAttributeValues: { ':order': 'ORDER' },
        ProjectionExpression: 'orderId',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) ids.push(item.orderId as string);
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}

/** Everything the check needs, read from the local runner's engines. */
export async function gatherFacts(c: PlatformClient, opts: GatherOptions = {}): Promise<ReconciliationFacts> {
  const { engines } = await c.localInfo();
  const resources = await c.resources();
  const physical = (service: string, logicalId: string) => {
    const r = resources.find((x) => x.service === service && x.logicalId === logicalId);
    if (!r) throw new Error(`no ${logicalId} in ${service}`);
    return r.physicalId;
  };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(aws(engines.moto)));
  const orderIds = opts.everyOrder
    ? [...new Set([...c.placed.keys(), ...(await everyOrderId(doc, physical('op-orders', 'OrdersTable')))])]
    : [...c.placed.keys()];

  const orders = (
    await batchGet(
      doc,
      physical('op-orders', 'OrdersTable'),
      orderIds.map((id) => ({ PK: `ORDER#${id}`, SK: 'ORDER' })),
    )
  ).map((o) => ({
    orderId: o.orderId as string,
    status: o.status as string,
    total: o.total as number,
    lines: o.lines as { sku: string; quantity: number }[],
  }));

  const db = new pg.Client({ connectionString: engines.postgres });
  await db.connect();
  let money: ReconciliationFacts['money'];
  try {
    money = await ledgerMoney(db, orderIds);
  } finally {
    await db.end();
  }

  const inventory = physical('op-inventory', 'InventoryTable');
  const reservations = (
    await batchGet(
      doc,
      inventory,
      orderIds.map((id) => ({ PK: `RESERVATION#${id}`, SK: 'RESERVATION' })),
    )
  ).map((r) => ({ orderId: r.orderId as string, status: r.status as 'RESERVED' | 'RELEASED' }));
  const skus = [...new Set(orders.flatMap((o) => o.lines.map((l) => l.sku)))];
  const stock = (
    await batchGet(
      doc,
      inventory,
      skus.map((sku) => ({ PK: `SKU#${sku}`, SK: 'STOCK' })),
    )
  ).map((s) => ({
    sku: s.sku as string,
    available: s.available as number,
    reserved: s.reserved as number,
    ...(opts.received?.has(s.sku as string) ? { received: opts.received.get(s.sku as string)! } : {}),
  }));

  // Billing: an issued invoice per capture, a sent receipt per capture and per refund.
  const captures = money.filter((m) => m.captured > 0).map((m) => m.paymentId);
  const invoiceItems = await batchGet(
    doc,
    physical('op-invoicing', 'InvoicesTable'),
    captures.map((paymentId) => ({ paymentId })),
  );
  const invoices = captures.map((paymentId) => ({
    paymentId,
    count: invoiceItems.filter((i) => i.paymentId === paymentId && i.status === 'ISSUED').length,
  }));
  const invoicesBucket = physical('op-invoicing', 'InvoicesBucket');
  const documents = await Promise.all(
    captures.map(async (paymentId) => {
      const invoice = invoiceItems.find((i) => i.paymentId === paymentId && i.status === 'ISSUED');
      const stored = invoice
        ? await c.invoiceDocument({ bucket: invoicesBucket, key: invoice.documentKey as string })
        : undefined;
      return { paymentId, count: stored ? 1 : 0 };
    }),
  );
  const exported = await c.accountingExports(captures);
  const exports = captures.map((paymentId) => ({
    paymentId,
    count: exported.filter(
      (e) => e.recordType === 'PaymentCaptured' && (e.data as { paymentId?: string }).paymentId === paymentId,
    ).length,
  }));
  const refunds = (await Promise.all(orderIds.map((id) => c.providerOrder(id)))).flatMap((o) =>
    o.refunds
      .filter((r) => r.status === 'succeeded')
      .map((r) => ({ refundId: r.id, paymentId: r.paymentId })),
  );
  const receiptKeys = [
    ...captures.map((p) => `payment:${p}:captured`),
    ...refunds.map((r) => `refund:${r.refundId}`),
  ];
  const sent = await batchGet(
    doc,
    physical('op-receipts', 'ReceiptsTable'),
    receiptKeys.map((key) => ({ pk: `DELIVERY#${key}` })),
  );
  const receipts = receiptKeys.map((key) => ({
    key,
    count: sent.filter((r) => r.pk === `DELIVERY#${key}` && r.status === 'SENT').length,
  }));

  const sqs = new SQSClient(aws(engines.moto));
  const deadLetters: NonNullable<ReconciliationFacts['deadLetters']> = [];
  const dlqs = resources.filter((r) => r.type === 'AWS::SQS::Queue' && isDeadLetterQueue(r.logicalId));
  for (const q of opts.deadLetters === false ? [] : dlqs) {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: q.physicalId,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const n =
      Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (n === 0) continue;
    // A look without taking: visibility 0 leaves every message where it is.
    const peek = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.physicalId, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    const bodies = (peek.Messages ?? []).map((m) => (m.Body ?? '').slice(0, 160));
    for (let i = 0; i < n; i++)
      deadLetters.push({ queue: `${q.service}/${q.logicalId}`, message: bodies[i] ?? '(not shown)' });
  }

  return {
    orders,
    money,
    invoices,
    documents,
    exports,
    receipts,
    refunds,
    reservations: orderIds.map((orderId) => ({
      orderId,
      status: reservations.find((r) => r.orderId === orderId)?.status ?? 'NONE',
    })),
    ...(opts.stockTotals === false ? {} : { stock }),
    ...(opts.deadLetters === false ? {} : { deadLetters }),
    ...(opts.expectedDeadLetters ? { expectedDeadLetters: opts.expectedDeadLetters } : {}),
  };
}

/**
 * Waits for every placed order to finish, fires the reconciler, and polls the check
 * until it passes or `timeoutMs` passes. Returns the last report (violations included).
 */
export async function reconcileRun(
  c: PlatformClient,
  opts: GatherOptions & { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<ReconciliationReport> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let report: ReconciliationReport;
  for (;;) {
    await c.fireSchedule('ReconcilePayments');
    report = checkReconciliation(await gatherFacts(c, opts));
    if (report.violations.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  opts.log?.(formatReport(report));
  return report;
}
