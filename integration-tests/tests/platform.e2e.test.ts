/**
 * End to end, over the public APIs of the running platform: every scenario of
 * src/scenarios.ts (the same ones `npm run demo` plays), against the target chosen by
 * E2E_TARGET (local by default: the global setup starts the platform itself).
 */
import { describe, expect, inject, it } from 'vitest';
import { PlatformClient } from '../src/client';
import { reconcileRun, seededStock } from '../src/reconcile';
import { scenarios } from '../src/scenarios';

const client = new PlatformClient(JSON.parse(inject('endpoints')));

describe(`the order platform (${client.endpoints.target})`, () => {
  for (const s of scenarios) {
    // Firing a schedule on demand needs the local runner; elsewhere the scenario is
    // reported as skipped, by name, never silently dropped.
    it.skipIf(s.localOnly && client.endpoints.target !== 'local')(s.name, async () => {
      await s.run(client, () => undefined);
    });
  }

  // Last: over every order the scenarios placed, money, stock, invoices, receipts and
  // dead letters add up (the local runner's engines are read directly).
  it.skipIf(client.endpoints.target !== 'local')(
    'the reconciliation check passes over every order the suite placed',
    async () => {
      const lines: string[] = [];
      const report = await reconcileRun(client, {
        received: seededStock(),
        timeoutMs: 150_000,
        log: (line) => lines.push(line),
      });
      expect(client.placed.size).toBeGreaterThan(10);
      expect(report.violations, lines.join('\n')).toEqual([]);
      // It looked at every part, not at nothing.
      for (const part of ['money', 'reservations', 'stock', 'invoices', 'receipts', 'dead letters'])
        expect(
          report.checked.some((c) => c.startsWith(`${part}:`)),
          part,
        ).toBe(true);
      expect(report.checked.find((c) => c.startsWith('invoices:'))).toMatch(/invoices: [1-9]/);
    },
    240_000,
  );
});
