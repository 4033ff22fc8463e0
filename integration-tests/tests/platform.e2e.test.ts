/**
 * End to end, over the public APIs of the running platform: every scenario of
 * src/scenarios.ts (the same ones `npm run demo` plays), against the target chosen by
 * E2E_TARGET (local by default: the global setup starts the platform itself).
 */
import { describe, inject, it } from 'vitest';
import { PlatformClient } from '../src/client';
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
});
