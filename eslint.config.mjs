import js from '@eslint/js';
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

/*
 * Layering (docs/conventions.md, "Layering"), enforced here so `npm run lint` fails on a
 * violation. Services live in services/<svc>/src/{domain,adapters,handlers,client?}.
 *
 * 1. A service imports no other service's internals: only shared/ (@order-platform/shared/*)
 *    and another service's published client (services/<svc>/src/client/**).
 * 2. Domain code (services/<svc>/src/domain, tests aside) imports no AWS SDK, no Lambda
 *    runtime library (aws-lambda, Powertools, middy), no driver (pg, ioredis), none of
 *    shared's infrastructure modules (http, observability, tracing, aws, internal-api, db,
 *    cache, cfn-response, lambda-shims, the consumer runners and DLQ sender; the failure
 *    taxonomy and time guard are plain code), and no adapter or handler.
 * 3. Adapters import no handler.
 *
 * The one exemption from rule 1, kept narrow: test harnesses that assemble several
 * services on purpose, i.e. files under services/<svc>/tests/ (the saga world drives the
 * real inventory, payments and webhook code; a receipts test runs the orders hand-off
 * adapter) and contract tests (`*.contract.test.ts`, which pin one service's output to
 * another's input). Every other file, unit tests included, follows the rule.
 * tests/layering.unit.test.ts plants violations to prove the rules bite.
 */
const SERVICES = readdirSync(new URL('./services/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const CROSS_SERVICE_EXEMPT = ['services/*/tests/**', 'services/*/src/**/*.contract.test.ts'];

const crossServicePatterns = (svc) => {
  const others = SERVICES.filter((s) => s !== svc).join('|');
  return [
    {
      regex: `(^|/)(${others})/src/(?!client/)`,
      message:
        "Another service's internals: import its published client (src/client) or move the shared part to shared/.",
    },
    {
      regex: `^@order-platform/(${others})(/|$)`,
      message:
        "Another service's package: import its published client (src/client) or move the shared part to shared/.",
    },
  ];
};

const DOMAIN_PATTERNS = [
  {
    regex: '^@aws-sdk/|^@smithy/',
    message: 'Domain code imports no AWS SDK: declare a port in domain/ports.ts.',
  },
  {
    regex: '^aws-lambda$|^@aws-lambda-powertools/|^@middy/',
    message: 'Domain code imports no Lambda runtime library: that belongs to handlers/adapters.',
  },
  { regex: '^(pg|ioredis|node-pg-migrate)$', message: 'Domain code imports no driver: declare a port.' },
  {
    regex:
      '^@order-platform/shared/(http|observability|tracing|aws|cfn-response|internal-api|db/|cache/|lambda-shims/|consumers/(sqs|streams|record|dead-letter))',
    message: "Domain code imports none of shared's infrastructure modules.",
  },
  {
    regex: '(^|/)adapters(/|$)',
    message: 'Domain code imports no adapter: declare a port in domain/ports.ts.',
  },
  { regex: '(^|/)handlers(/|$)', message: 'Domain code imports no handler.' },
];

const ADAPTER_PATTERNS = [{ regex: '(^|/)handlers(/|$)', message: 'Adapters import no handler.' }];

const SOURCE = '**/*.{ts,mts,cts,js,mjs,cjs}';
const TESTS = ['**/*.test.ts', '**/*.test.mts'];

const layeringConfigs = SERVICES.flatMap((svc) => {
  const cross = crossServicePatterns(svc);
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
  return [
    {
      name: `layering/${svc}`,
      files: [`services/${svc}/${SOURCE}`],
      ignores: CROSS_SERVICE_EXEMPT,
      rules: rule(cross),
    },
    {
      name: `layering/${svc}/domain`,
      files: [`services/${svc}/src/domain/${SOURCE}`],
      ignores: [...TESTS, ...CROSS_SERVICE_EXEMPT],
      rules: rule([...cross, ...DOMAIN_PATTERNS]),
    },
    {
      name: `layering/${svc}/adapters`,
      files: [`services/${svc}/src/adapters/${SOURCE}`],
      ignores: [...TESTS, ...CROSS_SERVICE_EXEMPT],
      rules: rule([...cross, ...ADAPTER_PATTERNS]),
    },
  ];
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.tmp/**',
      '**/.serverless/**',
      '**/.serverless-local/**',
      '.local/**',
      '**/.esbuild/**',
      '**/coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      // Logs go through the shared Powertools logger so they stay structured JSON.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'scripts/**',
      'bench/**',
      '**/bench/**',
      '**/scripts/**',
      'test-support/**',
      '**/tests/**',
      'integration-tests/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // Plain CommonJS (the local runner's worker bootstrap loads esbuild's CJS bundles; osls
    // reads a service's layout file, e.g. services/analytics/lake.cjs, with require).
    files: ['local/**/*.cjs', 'tooling/**/*.cjs', 'services/*/*.cjs', 'services/*/release/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layeringConfigs,
);
