/**
 * The one list of the platform's own CloudWatch metrics (namespace OrderPlatform, EMF
 * through Powertools, dimension `service`). The dashboard and the alarms that read a
 * service's metric take its name from here; tests/template.operate.test.ts checks that
 * each name is emitted by the file named as its source, so a rename breaks a test, not
 * a graph.
 */
'use strict';

const NAMESPACE = 'OrderPlatform';

/** name -> where it is emitted (service = POWERTOOLS_SERVICE_NAME of that stack). */
const METRICS = {
  OrderPlaced: { service: 'orders', source: 'services/orders/src/handlers/create-order.ts' },
  OrderConfirmed: { service: 'orders', source: 'services/orders/src/handlers/saga-tasks.ts' },
  OrderFailed: { service: 'orders', source: 'services/orders/src/handlers/saga-tasks.ts' },
  OrderCancelled: { service: 'orders', source: 'services/orders/src/handlers/saga-tasks.ts' },
  WebhookAccepted: { service: 'webhook', source: 'services/webhook/src/handlers/receive-payment-webhook.ts' },
  WebhookRejected: { service: 'webhook', source: 'services/webhook/src/handlers/receive-payment-webhook.ts' },
  WebhookSignatureRejected: {
    service: 'webhook',
    source: 'services/webhook/src/handlers/receive-payment-webhook.ts',
  },
  LedgerWriteLag: { service: 'webhook', source: 'services/webhook/src/handlers/write-ledger.ts' },
  LedgerMessagesFailed: { service: 'webhook', source: 'services/webhook/src/handlers/write-ledger.ts' },
  ReconciliationFindings: {
    service: 'webhook',
    source: 'services/webhook/src/handlers/reconcile-payments.ts',
  },
  ReconciliationRefundFailures: {
    service: 'webhook',
    source: 'services/webhook/src/handlers/reconcile-payments.ts',
  },
  CacheHit: { service: 'reporting', source: 'services/reporting/src/adapters/redis-cache.ts' },
  CacheMiss: { service: 'reporting', source: 'services/reporting/src/adapters/redis-cache.ts' },
  CacheUnavailable: { service: 'reporting', source: 'services/reporting/src/adapters/redis-cache.ts' },
};

/** [namespace, name, 'service', service] as a dashboard widget's metric row starts. */
function metric(name) {
  const m = METRICS[name];
  if (!m) throw new Error(`metric ${name} is not in tooling/osls-operate/metrics.cjs`);
  return [NAMESPACE, name, 'service', m.service];
}

module.exports = { NAMESPACE, METRICS, metric };
