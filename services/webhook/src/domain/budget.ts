/**
 * The service's share of the Postgres connection budget (P24, X9), in one place so the
 * template test can hold serverless.yml to it and the component test can run at it.
 *
 * Each container holds one pooled connection (DB_POOL_MAX=1: a container runs one
 * invocation at a time, so a second connection would only ever sit idle). At most
 * `reserved concurrency` containers exist per function, so the service can never hold
 * more than the sum below, whatever the webhook traffic does: bursts wait in SQS.
 */
export const POOL_SIZE_PER_CONTAINER = 1;

/** The throttled writer: SQS maximumConcurrency and reserved concurrency. */
export const WRITER_CONCURRENCY = 5;
/** The carrier update consumer. */
export const SHIPMENTS_CONCURRENCY = 2;
/** The scheduled outbox relay. */
export const RELAY_CONCURRENCY = 1;
/** The order outcomes recorder and the scheduled reconciler. */
export const OUTCOMES_CONCURRENCY = 1;
export const RECONCILER_CONCURRENCY = 1;

/** Connections this service may hold at the RDS Proxy (plus one for a migration run). */
export const DB_CONNECTION_BUDGET = 12;

export const maxServiceConnections = () =>
  (WRITER_CONCURRENCY +
    SHIPMENTS_CONCURRENCY +
    RELAY_CONCURRENCY +
    OUTCOMES_CONCURRENCY +
    RECONCILER_CONCURRENCY) *
  POOL_SIZE_PER_CONTAINER;
