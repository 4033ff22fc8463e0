/**
 * End to end, over the public APIs of the running platform: every scenario of
 * src/scenarios.ts (the same ones `npm run demo` plays), against the target chosen by
 * E2E_TARGET (local by default: the global setup starts the platform itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PlatformClient } from '../src/client';
import { reconcileRun, seededStock } from '../src/reconcile';
import { scenarios } from '../src/scenarios';
import { repoRoot } from '../src/target';

const client = new PlatformClient(JSON.parse(inject('endpoints')));

describe(`the order platform (${client.endpoints.target})`, () => {
  for (const s of scenarios) {
    // Firing a schedule on demand needs the local runner; elsewhere the scenario is
    // reported as skipped, by name, never silently dropped.
    it.skipIf(s.localOnly && client.endpoints.target !== 'local')(s.name, async () => {
      await s.run(client, () => undefined);
    });
  }

  // The local runner's one log stream (the global setup writes it to a file).
  it.skipIf(client.endpoints.target !== 'local')(
    "one order's correlation id follows it through every service, the payment webhook leg included",
    async () => {
      const who = `c-trace-${Date.now().toString(36)}`;
      const token = await client.token(who);
      const placed = await client.placeOrder(token, [{ sku: 'STICKER-PACK', quantity: 1 }]);
      const correlationId = placed.headers.get('x-correlation-id')!;
      const done = await client.waitUntilEnded(token, placed.body.orderId);
      expect(done.status).toBe('CONFIRMED');
      await client.waitForBilling(token, who, placed.body.orderId);
      const log = readFileSync(join(repoRoot, '.local', 'e2e-platform.log'), 'utf8');
      const sources = new Set(
        log
          .split('\n')
          .filter((l) => l.includes(`[${correlationId}]`))
          .map((l) => l.split(/\s+/)[1]),
      );
      for (const source of [
        'orders/createOrder',
        'orders/publishEvents',
        'payments/chargePayment',
        'webhook/receivePaymentWebhook',
        'webhook/writeLedger',
        'orders/onPaymentOutcome',
        'payments/settlePayment',
        'invoicing/issueInvoice',
      ])
        expect([...sources], source).toContain(source);
      expect(log).toMatch(new RegExp(`\\[${correlationId}\\] METRIC`));
    },
  );

  // Last: over every order the scenarios placed, money, stock, invoices, receipts and
  // dead letters add up (the local runner's engines are read directly).
  it.skipIf(client.endpoints.target !== 'local')(
    'the reconciliation check passes over every order the suite placed',
    async () => {
      const lines: string[] = [];
      const report = await reconcileRun(client, {
        received: seededStock(),
        // The suite's other files place orders on this platform too (analytics, hostile).
        everyOrder: true,
        timeoutMs: 150_000,
        log: (line) => lines.push(line),
      });
      expect(client.placed.size).toBeGreaterThan(10);
      expect(report.violations, lines.join('\n')).toEqual([]);
      // It looked at every part, not at nothing.
      for (const part of [
        'money',
        'reservations',
        'stock',
        'invoices',
        'invoice documents',
        'accounting exports',
        'receipts',
        'dead letters',
      ])
        expect(
          report.checked.some((c) => c.startsWith(`${part}:`)),
          part,
        ).toBe(true);
      expect(report.checked.find((c) => c.startsWith('invoices:'))).toMatch(/invoices: [1-9]/);
    },
    240_000,
  );

  // After everything: no function made a call its IAM role does not allow (the local
  // runner enforces each role; a scenario may tolerate the error, AWS would not).
  it.skipIf(client.endpoints.target !== 'local')(
    'no function was denied a call by its IAM role',
    async () => {
      const iam = (await (await fetch(`${client.endpoints.controlUrl}/_local/iam`)).json()) as {
        enforced: boolean;
        allowed?: number;
        denials: unknown[];
        resourceDenials?: unknown[];
      };
      if (process.env.E2E_IAM !== 'off') {
        expect(iam.enforced).toBe(true);
        expect(iam.allowed).toBeGreaterThan(100);
      }
      expect(iam.denials).toEqual([]);
      // Nor was a delivery refused by a resource policy (Lambda permission, queue policy).
      expect(iam.resourceDenials ?? []).toEqual([]);
    },
  );
});
