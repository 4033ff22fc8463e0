import { defineConfig } from 'vitest/config';

/**
 * Three test layers, one run (ENGINEERING.md §4):
 * - unit: domain functions and handlers with fakes, no engines.
 * - component: real handlers against real engines (moto_server, Postgres, Redis), each
 *   started once for the whole run by the global setup.
 * - template: assertions on the CloudFormation that `npm run package` left in each stack.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'shared/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'test-support/src/**/*.test.ts',
            'local/src/**/*.test.ts',
            'tests/**/*.unit.test.ts',
          ],
          environment: 'node',
          env: {
            POWERTOOLS_LOG_LEVEL: 'SILENT',
            POWERTOOLS_METRICS_DISABLED: 'true',
            POWERTOOLS_DEV: 'true',
          },
        },
      },
      {
        test: {
          name: 'component',
          include: [
            'services/*/tests/**/*.component.test.ts',
            'tests/**/*.component.test.ts',
            'local/tests/**/*.component.test.ts',
          ],
          globalSetup: ['test-support/src/global-setup.ts'],
          setupFiles: ['test-support/src/component-env.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          environment: 'node',
        },
      },
      {
        // End to end, over the public APIs of the running platform (integration-tests/).
        // The target (E2E_TARGET) is local by default: the global setup starts it.
        test: {
          name: 'e2e',
          include: ['integration-tests/tests/**/*.e2e.test.ts'],
          globalSetup: ['integration-tests/src/global-setup.ts'],
          // One platform, one simulated provider whose mode the scenarios switch: serial.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 240_000,
          environment: 'node',
        },
      },
      {
        // Benchmarks: run on demand (npm run bench:*), never by `npm test`.
        test: {
          name: 'bench',
          include: ['services/orders/bench/saga.bench.ts'],
          environment: 'node',
          testTimeout: 60 * 60_000,
        },
      },
      {
        test: {
          name: 'template',
          include: ['services/*/tests/**/template*.test.ts', 'tests/**/template*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
