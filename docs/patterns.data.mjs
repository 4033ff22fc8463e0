// The pattern table's data: one entry per P and X id of the project's scope catalog.
// `node scripts/docs-patterns.mjs` renders it into README.md and docs/patterns.md, and
// `--check` (run by the unit tests) fails when a linked path is missing or the docs are stale.
// Status: built = code and proof in CI; partial = built with a gap named in the notes; not built.

const o = 'services/orders';
const w = 'services/webhook';
const r = 'services/reporting';
const b = 'services/billing-notifier';
const c = 'services/catalog';

export const patterns = [
  {
    id: 'P01',
    name: 'Scalable webhook',
    service: 'webhook',
    status: 'built',
    code: [
      `${w}/src/handlers/receive-payment-webhook.ts`,
      `${w}/src/domain/signature.ts`,
      `${w}/src/handlers/write-ledger.ts`,
      `${w}/serverless.yml`,
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${w}/tests/webhook-flow.component.test.ts`,
      `${w}/tests/load.component.test.ts`,
      `${w}/tests/template.test.ts`,
    ],
    notes:
      'HMAC-SHA256 over `t.rawBody`, 300 s tolerance, constant-time compare, secret rotation; 202 after SendMessage without touching the database; the writer consumes with bounded concurrency into the Postgres ledger, idempotent by provider event id, with a transactional outbox for the events it emits.',
    cost: 'about $5.55 per million webhooks (API Gateway REST $3.50, receiver + writer Lambda, SQS); see the service README.',
  },
  {
    id: 'P02',
    name: 'EventBridge domain events',
    service: 'orders (producer), all (consumers)',
    status: 'built',
    code: [
      `${o}/src/handlers/publish-events.ts`,
      'shared/src/events/envelope.ts',
      'shared/src/events/orders/orderPlaced.v1.ts',
      'serverless.yml',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${o}/tests/publisher.component.test.ts`,
      `${o}/tests/template.test.ts`,
      'tests/template.platform.test.ts',
    ],
    notes:
      'Custom bus with an archive (platform stack), versioned envelope `{ metadata, data }`, one rule per consumer matching `detail-type` and `detail.metadata.version`. The stream-fed publisher is exactly-once per change across retried batches (Powertools Idempotency) and cannot write the table it reads (no loop).',
    cost: 'EventBridge $1 per million events + the stream publisher (~$0.40 per million records at 256 MB / 30 ms) + idempotency writes ($1.25 per million).',
  },
  {
    id: 'P03',
    name: 'Step Functions order saga',
    service: 'orders',
    status: 'built',
    code: [`${o}/serverless.yml`, `${o}/src/handlers/saga-tasks.ts`, `${o}/src/adapters/task-tokens.ts`],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${o}/tests/saga.component.test.ts`,
      `${o}/tests/saga-money.component.test.ts`,
      `${o}/tests/template.test.ts`,
    ],
    notes:
      'The packaged ASL executed locally with every Task bound to the real handler: happy path, out of stock, declines, provider down with the breaker, timeout, duplicate confirmation, cancel mid-saga, duplicate start; then the money cases with the payments ledger and the reconciler on Postgres: answers lost after a capture (timeout, 500), a resume Step Functions refused, a capture after the saga failed, a double capture. Every charge failure is declined, not charged, or outcome unknown; an unknown outcome is looked up and refunded, never just released. Both suites end with the reconciliation check, and the e2e suite runs it over every order it placed.',
    cost: 'Standard workflow: ~12 state transitions per order, $0.30 per thousand orders, the largest item of an order; see services/orders/README.md.',
  },
  {
    id: 'P04',
    name: 'DynamoDB stream → RDS eventual consistency',
    service: 'reporting',
    status: 'built',
    code: [
      `${r}/src/handlers/project-orders.ts`,
      `${r}/src/domain/projection.ts`,
      `${r}/src/adapters/read-model.ts`,
    ],
    proof: [`${r}/tests/projector.component.test.ts`, `${r}/tests/template.test.ts`],
    notes:
      'Version-guarded upserts: replays and reversed batches give an identical read model; aggregates recomputed from guarded rows; bisect, bounded retries, on-failure destination.',
  },
  {
    id: 'P05',
    name: 'Read-heavy reporting engine',
    service: 'reporting',
    status: 'built',
    code: [
      `${r}/src/adapters/redis-cache.ts`,
      `${r}/src/domain/cache.ts`,
      `${r}/src/handlers/invalidate-cache.ts`,
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${r}/tests/reports-cache.component.test.ts`,
      `${r}/tests/redis-outage.component.test.ts`,
    ],
    notes:
      'Cache-aside with TTLs and per-namespace generations; invalidation by OrderConfirmed/OrderCancelled; one recompute per key under concurrent misses; correct answers from Postgres while Redis is down.',
    cost: 'A hit is two Redis GETs inside one Lambda invocation; a miss adds one Postgres query. See services/reporting/README.md.',
  },
  {
    id: 'P06',
    name: 'Simple web service',
    service: 'orders',
    status: 'built',
    code: [`${o}/src/handlers/create-order.ts`, `${o}/src/adapters/orders-table.ts`, 'shared/src/http.ts'],
    proof: ['integration-tests/src/scenarios.ts', `${o}/tests/orders-api.component.test.ts`],
    notes:
      'API Gateway → Lambda → DynamoDB with JSON errors; every bad input a 400 naming the problem, nothing written.',
    cost: 'Per million requests: API Gateway $3.50 + Lambda ~$0.40 + DynamoDB one write $0.625 (create) or one read $0.125 (get).',
  },
  {
    id: 'P07',
    name: 'Robust API',
    service: 'orders',
    status: 'built',
    code: [`${o}/serverless.yml`, `${o}/src/handlers/handoff-confirmation.ts`],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${o}/tests/template.test.ts`,
      `${o}/tests/orders-api.component.test.ts`,
    ],
    notes:
      'One function per method and path over one table; other services are reached asynchronously (events, async handoff) or through the saga, never by waiting in an API handler.',
  },
  {
    id: 'P08',
    name: 'Gatekeeper (Lambda authorizer)',
    service: 'auth',
    status: 'built',
    code: [
      'services/auth/src/handlers/gatekeeper.ts',
      'services/auth/src/domain/policy.ts',
      'services/auth/scripts/issue-token.ts',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      'services/auth/src/handlers/gatekeeper.test.ts',
      'services/auth/tests/template.test.ts',
      `${o}/tests/template.test.ts`,
    ],
    notes:
      'jose verification (RS256/ES256, issuer, audience, expiry); an IAM policy listing every resource the token may call, cached 300 s; a customer reaches only their own routes, handlers re-check ownership.',
  },
  {
    id: 'P09',
    name: 'Internal API',
    service: 'inventory, catalog (orders prices through it)',
    status: 'built',
    code: [
      'services/inventory/src/handlers/reserve-stock.ts',
      'services/inventory/src/client/inventory-client.ts',
      'services/catalog/src/handlers/price-lines.ts',
      'services/orders/src/adapters/catalog-prices.ts',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      'integration-tests/src/catalog-scenarios.ts',
      'services/inventory/tests/internal-api.component.test.ts',
      'services/orders/tests/orders-api.component.test.ts',
    ],
    notes:
      "Synchronous Invoke through the real Lambda SDK client against a local Invoke endpoint; typed OutOfStockError and TimeoutError at the caller. Orders are priced by the catalog's priceLines when placed (a client price is a 400, an unknown or inactive SKU a 422 naming it, nothing written; a catalog that does not answer is a 503); live in the e2e catalog and bad-input scenarios.",
  },
  {
    id: 'P10',
    name: 'Internal handoff',
    service: 'orders → receipts',
    status: 'built',
    code: [
      `${o}/src/adapters/receipts-handoff.ts`,
      'services/receipts/src/handlers/send-order-confirmation.ts',
    ],
    proof: ['services/receipts/tests/handoff.component.test.ts', `${o}/tests/template.test.ts`],
    notes:
      'Asynchronous Invoke (Event) with on-success and on-failure destinations; the receiver is idempotent because async invokes repeat.',
  },
  {
    id: 'P11',
    name: 'Aggregator',
    service: 'reporting',
    status: 'built',
    code: [`${r}/src/handlers/customer-dashboard.ts`, `${r}/src/domain/dashboard.ts`],
    proof: ['integration-tests/src/scenarios.ts', `${r}/tests/dashboard.component.test.ts`],
    notes:
      "Parallel calls with per-call timeouts and a partial-result marker, proved with a failing and a slow dependency. The dashboard runs outside the VPC (no NAT) and calls the orders API, its own summary route and billing over HTTPS with the caller's token. Billing has no HTTP API yet, so that part answers `unavailable`. The client-as-aggregator alternative is in the service README.",
  },
  {
    id: 'P12',
    name: 'Notifier',
    service: 'billing-notifier',
    status: 'built',
    code: [
      `${b}/serverless.yml`,
      'shared/src/events/billing/index.ts',
      'shared/src/events/billing/publish.ts',
      'services/webhook/src/domain/ledger.ts',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${b}/tests/fan-out.component.test.ts`,
      `${b}/tests/template.test.ts`,
      'services/webhook/tests/billing-records.component.test.ts',
    ],
    notes:
      'A standalone SNS topic with a versioned billing-record contract; subscribers subscribe themselves from their own stacks through their own queues with filter policies. Producers publish through one shared publisher; the payments ledger writer publishes PaymentCaptured and RefundIssued through its transactional outbox.',
  },
  {
    id: 'P13',
    name: 'SNS fan-out',
    service: 'billing-notifier',
    status: 'built',
    code: [
      'services/invoicing/serverless.yml',
      'services/receipts/serverless.yml',
      'services/accounting/serverless.yml',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${b}/tests/fan-out.component.test.ts`,
      `${b}/tests/failing-subscriber.component.test.ts`,
    ],
    notes:
      'One publish reaches each subscriber once; a failing subscriber lands in its own DLQ while the others carry on.',
  },
  {
    id: 'P14',
    name: 'Distributed trigger',
    service: 'billing-notifier',
    status: 'built',
    code: [`${b}/src/handlers/announce-invoice-document.ts`, 'services/invoicing/serverless.yml'],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${b}/tests/distributed-trigger.component.test.ts`,
      `${b}/tests/template.test.ts`,
    ],
    notes:
      'S3 event on invoice documents → function → a topic private to billing → subscribing queues; other prefixes trigger nothing.',
  },
  {
    id: 'P15',
    name: 'FIFOer',
    service: 'inventory',
    status: 'built',
    code: ['services/inventory/src/handlers/apply-adjustments.ts', 'services/inventory/serverless.yml'],
    proof: ['services/inventory/tests/adjustments.component.test.ts'],
    notes:
      "Stock adjustments in order per SKU through a FIFO queue (group = SKU, dedup id = adjustment id); the seeds' scheduled single-concurrency poller is explained in the README.",
  },
  {
    id: 'P16',
    name: 'Router',
    service: 'fulfilment',
    status: 'built',
    code: [
      'services/fulfilment/src/handlers/route-order.ts',
      'services/fulfilment/src/domain/fulfilment.ts',
      'services/fulfilment/src/handlers/task.ts',
      'services/fulfilment/src/adapters/fulfilment-table.ts',
      'services/fulfilment/serverless.yml',
      'services/fulfilment/src/simulator/carrier.ts',
    ],
    proof: [
      'services/fulfilment/tests/router.component.test.ts',
      'services/fulfilment/tests/template.test.ts',
      'local/src/iam/presigned.test.ts',
    ],
    notes:
      "OrderConfirmed v1 (now carrying its lines and each product's kind) -> routeOrder, invoked asynchronously by EventBridge -> one asynchronous Invoke per line to fulfilPhysical (a shipment booked with the simulated carrier, whose updates come back through the carrier endpoint P28 as ShipmentUpdated v1 until delivered), fulfilDigital (an expiring presigned download link) or fulfilGiftcard (a code stored as its SHA-256, shown once, redeemed once). Each task has its own on-failure queue (alarmed) and is idempotent per orderId#lineNo; a kind with no task fails the router with a reason, into its own failure queue. moto_server does not enforce presigned-URL expiry: the local runner's IAM gateway does. Not done: the reporting dashboard does not show fulfilment yet.",
  },
  {
    id: 'P17',
    name: 'Frugal consumer',
    service: 'webhook',
    status: 'built',
    code: [`${w}/src/domain/messages.ts`, `${w}/src/handlers/write-ledger.ts`],
    proof: [`${w}/tests/load.component.test.ts`],
    notes:
      "Other services post refund requests straight to the writer's queue with the SDK; the message contract is in the webhook README.",
  },
  {
    id: 'P18',
    name: 'Fan-out / fan-in',
    service: 'catalog',
    status: 'built',
    code: [
      `${c}/src/handlers/import-chunk.ts`,
      `${c}/src/handlers/finish-import.ts`,
      `${c}/src/domain/chunk.ts`,
      `${c}/src/adapters/jobs-table.ts`,
      `${c}/serverless.yml`,
    ],
    proof: [
      'integration-tests/src/catalog-scenarios.ts',
      `${c}/tests/fan-in.component.test.ts`,
      `${c}/tests/import.component.test.ts`,
      `${c}/src/domain/use-cases.test.ts`,
    ],
    notes:
      "The splitter sends one SQS message per 500 rows; workers take them with the mapping's maximumConcurrency (8) as the bound, each with 5 BatchWriteItem calls in flight. The job item gathers the chunks: one conditional UpdateItem per chunk (its index added to a set unless already there, its counts added), products stamped with the job so a chunk re-run after a crash counts the same, and RUNNING -> COMPLETED as one conditional write (chunksDone = chunksTotal); the finaliser, per job in a FIFO group, writes results/<jobId>.json and publishes CatalogImported v1. Proved with a chunk delivered twice, workers killed mid-chunk and before counting, and racing finalisers. SQS over a Step Functions Map: bounded by the mapping, per-chunk retries and DLQ, no per-chunk S3 round trip, $0.40 vs $25 per million; see the service README.",
    cost: 'about $1.41 per million rows on a first import (DynamoDB writes $1.25 of it), $0.15 for an unchanged re-import; see services/catalog/README.md.',
  },
  {
    id: 'P19',
    name: 'S3 file processing',
    service: 'catalog',
    status: 'built',
    code: [
      `${c}/src/handlers/start-import.ts`,
      `${c}/src/domain/csv.ts`,
      `${c}/src/adapters/retry.ts`,
      `${c}/serverless.yml`,
    ],
    proof: [
      'integration-tests/src/catalog-scenarios.ts',
      `${c}/tests/import.component.test.ts`,
      `${c}/tests/fan-in.component.test.ts`,
      `${c}/tests/template.test.ts`,
      `${c}/src/domain/csv.test.ts`,
      'integration-tests/src/catalog-scenarios.ts',
    ],
    notes:
      'A CSV under imports/ in the catalog bucket notifies the splitter (prefix filter imports/ only); reports go to results/ and manifests to work/, which no notification watches and no role can write under imports/. The file is streamed (GetObject body -> quote-balanced records -> csv-parse per record, so a broken quote costs one line), UTF-8 with or without BOM, CRLF; each row validated with zod/mini, bad lines reported with line number and reason. Writes are BatchWriteItem in 25s, 5 in flight per worker, UnprocessedItems retried with exponential back-off and full jitter (exponential-backoff). Idempotent per file version (job id = hash of bucket, key, ETag); imports/full/ deactivates what the file does not name. npm run dev loads its demo catalog and stock through this pipeline.',
  },
  {
    id: 'P20',
    name: 'Circuit breaker',
    service: 'payments',
    status: 'built',
    code: [
      'services/payments/src/domain/breaker.ts',
      'services/payments/src/domain/circuit-breaker.ts',
      'services/payments/src/adapters/breaker-store.ts',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      'services/payments/src/domain/breaker.test.ts',
      'services/payments/tests/breaker.component.test.ts',
      `${o}/tests/saga.component.test.ts`,
    ],
    notes:
      "State shared across containers in DynamoDB (versioned conditional writes); closed → open → half-open with one probe and doubling back-off; fails fast while open (proved through the saga with the provider's call count).",
  },
  {
    id: 'P21',
    name: 'Strangler',
    service: 'storefront',
    status: 'built',
    code: [
      'services/storefront/routes.cjs',
      'services/storefront/serverless.yml',
      'services/storefront/src/legacy-storefront.ts',
      'local/src/apigw/integrations.ts',
    ],
    proof: [
      'services/storefront/tests/strangler.component.test.ts',
      'services/storefront/tests/template.test.ts',
    ],
    notes:
      "The shop's entry API: routes listed in `routes.cjs` go to the platform's Lambda functions (the catalog's product reads), every other request to the legacy storefront through an HTTP proxy integration. Moving a route is one line; the component test flips GET /products/{sku} and shows the monolith stop seeing it. Locally the runner starts a stand-in legacy storefront and plays the HTTP proxy.",
  },
  {
    id: 'P22',
    name: 'Streamer',
    service: 'analytics',
    status: 'built',
    code: ['services/analytics/serverless.yml', 'local/src/firehose.ts'],
    proof: [
      'integration-tests/tests/analytics.e2e.test.ts',
      'services/analytics/tests/template.test.ts',
      'local/src/firehose.test.ts',
    ],
    notes:
      '`POST /clickstream` (API key) integrated directly with Kinesis `PutRecords` (one record per event, the session id as partition key), no Lambda; Firehose reads the stream into the lake under `clickstream/dt=/hour=/`.',
  },
  {
    id: 'P23',
    name: 'Data lake',
    service: 'analytics',
    status: 'built',
    code: [
      'services/analytics/lake.cjs',
      'services/analytics/serverless.yml',
      'services/analytics/queries',
      'local/src/lake-query.ts',
    ],
    proof: [
      'integration-tests/tests/analytics.e2e.test.ts',
      'services/analytics/tests/template.test.ts',
      'local/src/firehose.test.ts',
    ],
    notes:
      'Every domain event (rule on the platform bus, all sources) → Firehose with dynamic partitioning → `events/source=/type=/dt=/`, gzip JSON lines; Glue tables with partition projection from the same definition as the prefixes; an Athena workgroup with enforced results and three named queries, run locally by DuckDB (`npm run lake:query`).',
  },
  {
    id: 'P24',
    name: 'Lambda + RDS connection management',
    service: 'webhook, reporting',
    status: 'built',
    code: ['shared/src/db/postgres.ts', 'serverless.platform.yml', 'docs/platform.md'],
    proof: [`${w}/tests/load.component.test.ts`],
    notes:
      'One pool of 1 per container, reused; RDS Proxy in AWS; maximum concurrency × pool size within the documented connection budget, proved by sampling pg_stat_activity during a load run.',
  },
  {
    id: 'P25',
    name: 'SQS worker with failure classes',
    service: 'webhook',
    status: 'built',
    code: [
      'shared/src/consumers/failures.ts',
      'shared/src/consumers/sqs.ts',
      'shared/src/consumers/dlq-format.ts',
      `${w}/src/handlers/write-ledger.ts`,
    ],
    proof: [
      'shared/src/consumers/failures.test.ts',
      'shared/src/consumers/sqs.test.ts',
      `${w}/tests/load.component.test.ts`,
      `${w}/tests/outage.component.test.ts`,
    ],
    notes:
      'One consumer toolkit for every queue and stream (shared/src/consumers): a failure is retry (reported in the partial batch response), permanent (bad data: to the DLQ at once with `failure.*` attributes, the original message untouched) or poison (unparseable). The ledger writer shows it under load: nothing lost or doubled across a Postgres restart.',
  },
  {
    id: 'P26',
    name: 'DLQ replay',
    service: 'tooling',
    status: 'built',
    code: ['tooling/dlq/replay.ts', 'scripts/dlq-replay.ts'],
    proof: [`${w}/tests/dlq-replay.component.test.ts`],
    notes:
      "`npm run dlq:replay -- <queue> [--dry-run] [--max N]`; replaying an already-succeeded message is a no-op. A Lambda on-failure destination holds invocation records instead: `--reinvoke` runs each record's function again (asynchronously) with the original event, then deletes the record.",
  },
  {
    id: 'P27',
    name: 'Lambda destinations',
    service: 'billing-notifier',
    status: 'built',
    code: ['services/receipts/serverless.yml', `${o}/serverless.yml`],
    proof: ['services/receipts/tests/template.test.ts', 'services/receipts/tests/handoff.component.test.ts'],
    notes:
      'On-success and on-failure destinations on the asynchronous handoff and on EventBridge-invoked functions.',
  },
  {
    id: 'P28',
    name: 'API Gateway service proxy',
    service: 'webhook',
    status: 'built',
    code: [`${w}/serverless.yml`],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${w}/tests/template.test.ts`,
      `${w}/tests/carrier.component.test.ts`,
    ],
    notes:
      '`POST /webhooks/carrier` integrated directly with SQS through a VTL request template, no Lambda; its consumer records shipment updates.',
  },
  {
    id: 'P29',
    name: 'Scheduled jobs',
    status: 'built',
    service: 'reporting, webhook (payments reconciler)',
    code: [
      `${r}/src/handlers/nightly-rollup.ts`,
      `${r}/serverless.yml`,
      `${w}/src/handlers/reconcile-payments.ts`,
      `${w}/src/domain/reconcile.ts`,
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${r}/tests/rollup.component.test.ts`,
      `${r}/tests/template.test.ts`,
      `${w}/src/domain/reconcile.test.ts`,
      `${o}/tests/saga-money.component.test.ts`,
    ],
    notes:
      "Nightly self-healing rollup; no warm-up schedule, and the README says why. The payments reconciler runs every 5 minutes: it compares the ledger with the orders' outcomes (recorded from their events), refunds once what no order should keep (a capture on a failed or cancelled order, a second capture, an excess) under the saga's own refund key, and reports what it cannot fix; findings are logged, counted and alarmed. Live in the e2e money scenario (late capture, double capture).",
  },
  {
    id: 'P30',
    name: 'Versions, aliases, canary',
    service: 'orders',
    status: 'built',
    code: [
      `${o}/serverless.yml`,
      `${o}/release/gradual-release.cjs`,
      `${o}/src/handlers/pre-traffic-smoke.ts`,
      `${o}/src/release/smoke.ts`,
    ],
    proof: [`${o}/tests/template.release.test.ts`, `${o}/src/handlers/pre-traffic-smoke.test.ts`],
    notes:
      'Production stages only (`npm run package:release` packages prod): the four API functions are published as versions behind a `live` alias that API Gateway calls; CodeDeploy shifts 10% for 5 minutes, then the rest, after a pre-traffic hook sent the new version a smoke request, and rolls back on the alias error or p99 alarms (serverless-plugin-canary-deployments plus a small local plugin for the alarms and a least-privilege CodeDeploy role). Dev, localstack and local deploy all at once with no versions, so it is proved by template, not live locally.',
  },
  {
    id: 'P31',
    name: 'Secrets outside env vars',
    service: 'webhook, payments',
    status: 'built',
    code: [
      `${w}/src/adapters/signing-secrets.ts`,
      'services/payments/src/adapters/api-key.ts',
      'shared/src/db/postgres.ts',
    ],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${w}/tests/webhook-flow.component.test.ts`,
      'services/payments/src/adapters/api-key.test.ts',
      `${w}/tests/template.test.ts`,
    ],
    notes:
      'Signing secrets, the provider API key and DB credentials come from Secrets Manager / SSM through Powertools Parameters with a cache; environment variables carry only their names.',
  },
  {
    id: 'P32',
    name: 'Lambda chaining (anti-pattern)',
    service: 'docs',
    status: 'built',
    code: ['docs/lambda-chaining.md'],
    proof: ['docs/lambda-chaining.md'],
    notes: 'What the platform does instead: workflow, events, async handoff, queues.',
  },
];

export const practices = [
  {
    id: 'X1',
    name: 'Idempotent handlers',
    status: 'built',
    code: [
      `${o}/src/adapters/orders-table.ts`,
      `${o}/src/handlers/publish-events.ts`,
      `${w}/src/adapters/ledger-store.ts`,
    ],
    proof: [
      `${o}/tests/orders-api.component.test.ts`,
      `${o}/tests/publisher.component.test.ts`,
      `${w}/tests/webhook-flow.component.test.ts`,
      'services/invoicing/tests/invoicing.component.test.ts',
    ],
  },
  {
    id: 'X2',
    name: 'Structured logs, correlation ids, tracing, metrics',
    status: 'built',
    code: ['shared/src/observability.ts', 'shared/src/tracing.ts'],
    proof: ['integration-tests/src/scenarios.ts', 'shared/src/observability.test.ts'],
  },
  {
    id: 'X3',
    name: 'Least-privilege IAM per function',
    status: 'built',
    code: [
      'docs/conventions.md',
      'local/src/iam/gateway.ts',
      'local/src/iam/actions.ts',
      'local/src/iam/resource-policies.ts',
    ],
    proof: [
      'tests/template.all-stacks.test.ts',
      'local/tests/iam.component.test.ts',
      'local/tests/resource-policies.component.test.ts',
      'local/src/iam/actions.test.ts',
      'integration-tests/tests/platform.e2e.test.ts',
    ],
    notes:
      'One role per function, each statement scoped to the exact resource (template tests). In `npm run dev` and the e2e suite every AWS call a function makes goes through the IAM gateway and is evaluated against its packaged role with @cloud-copilot/iam-simulate; the state machine role, the API Gateway integration role, Lambda permissions, SQS queue policies and SNS topic policies are enforced too; the e2e run fails if any call or delivery was refused. Not judged locally: bucket and bus policies, KMS key policies, boundaries and SCPs (local/README.md).',
  },
  {
    id: 'X4',
    name: 'Versioned events, undeclared versions rejected',
    status: 'built',
    code: ['shared/src/events/envelope.ts'],
    proof: [`${o}/src/domain/events.test.ts`, 'shared/src/events/billing/contracts.test.ts'],
  },
  {
    id: 'X5',
    name: 'SQS redrive and visibility',
    status: 'built',
    code: [`${w}/serverless.yml`],
    proof: ['tests/template.all-stacks.test.ts'],
  },
  {
    id: 'X6',
    name: 'Stream mappings: bisect, bounded retries, on-failure destination',
    status: 'built',
    code: [`${o}/serverless.yml`, `${r}/serverless.yml`],
    proof: ['tests/template.all-stacks.test.ts'],
  },
  {
    id: 'X7',
    name: 'Partial batch responses',
    status: 'built',
    code: [
      'shared/src/consumers/sqs.ts',
      'shared/src/consumers/streams.ts',
      `${o}/src/handlers/publish-events.ts`,
    ],
    proof: [
      'shared/src/consumers/sqs.test.ts',
      'shared/src/consumers/streams.test.ts',
      `${o}/tests/publisher.component.test.ts`,
      `${w}/tests/outage.component.test.ts`,
      'tests/template.all-stacks.test.ts',
    ],
  },
  {
    id: 'X8',
    name: 'Batch consumers watch remaining time',
    status: 'built',
    code: ['shared/src/consumers/time-guard.ts', 'shared/src/consumers/record.ts'],
    proof: ['shared/src/consumers/sqs.test.ts', `${o}/src/handlers/publish-events.test.ts`],
  },
  {
    id: 'X9',
    name: 'Concurrency limits in front of non-scaling resources',
    status: 'built',
    code: [`${w}/serverless.yml`, 'docs/platform.md'],
    proof: ['tests/template.all-stacks.test.ts'],
  },
  {
    id: 'X10',
    name: 'Input validated at the edge, never half-written',
    status: 'built',
    code: ['shared/src/http.ts'],
    proof: [
      'integration-tests/src/scenarios.ts',
      `${o}/tests/orders-api.component.test.ts`,
      `${w}/tests/webhook-flow.component.test.ts`,
    ],
  },
  {
    id: 'X11',
    name: 'Timeouts sized',
    status: 'built',
    code: [`${o}/serverless.yml`],
    proof: ['tests/template.all-stacks.test.ts', `${o}/tests/template.test.ts`],
  },
  {
    id: 'X12',
    name: 'Cost per million requests, per pattern',
    status: 'partial',
    code: ['docs/patterns.md'],
    proof: ['docs/patterns.md'],
    notes:
      'Costs are given for the built patterns here and in each service README from list prices; they are estimates, not measured bills.',
  },
];
