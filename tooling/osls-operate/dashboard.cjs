/**
 * The platform dashboard (op-<stage>): what to look at first when something is wrong.
 * Service metrics come from the catalog (metrics.cjs); AWS metrics name resources by the
 * names the stacks give them (the saga's state machine, osls' `<stage>-<service>` REST
 * APIs). The body is a Fn::Sub string, so region and account resolve at deploy time.
 */
'use strict';

const { metric } = require('./metrics.cjs');

const PERIOD = 300;

function widgets(stage) {
  const saga = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:op-orders-${stage}-order-saga`;
  const graph = (title, metrics, extra = {}) => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: { title, region: '${AWS::Region}', period: PERIOD, view: 'timeSeries', metrics, ...extra },
  });
  return [
    graph('Orders: placed, confirmed, failed, cancelled', [
      [...metric('OrderPlaced'), { stat: 'Sum' }],
      [...metric('OrderConfirmed'), { stat: 'Sum' }],
      [...metric('OrderFailed'), { stat: 'Sum' }],
      [...metric('OrderCancelled'), { stat: 'Sum' }],
    ]),
    graph('Saga duration (ms) and failed executions', [
      ['AWS/States', 'ExecutionTime', 'StateMachineArn', saga, { stat: 'p50' }],
      ['...', { stat: 'p99' }],
      ['AWS/States', 'ExecutionsFailed', 'StateMachineArn', saga, { stat: 'Sum', yAxis: 'right' }],
    ]),
    graph('Webhook: acknowledged in (ms), accepted, rejected', [
      ['AWS/ApiGateway', 'Latency', 'ApiName', `${stage}-op-webhook`, { stat: 'p50' }],
      ['...', { stat: 'p99' }],
      [...metric('WebhookAccepted'), { stat: 'Sum', yAxis: 'right' }],
      [...metric('WebhookRejected'), { stat: 'Sum', yAxis: 'right' }],
      [...metric('WebhookSignatureRejected'), { stat: 'Sum', yAxis: 'right' }],
    ]),
    graph('Ledger writer: lag behind the queue (ms), failed messages', [
      [...metric('LedgerWriteLag'), { stat: 'Maximum' }],
      [...metric('LedgerMessagesFailed'), { stat: 'Sum', yAxis: 'right' }],
    ]),
    graph('Report cache: hit rate (%)', [
      [{ expression: '100 * hit / (hit + miss)', label: 'hit rate', id: 'rate' }],
      [...metric('CacheHit'), { stat: 'Sum', id: 'hit', visible: false }],
      [...metric('CacheMiss'), { stat: 'Sum', id: 'miss', visible: false }],
      [...metric('CacheUnavailable'), { stat: 'Sum', yAxis: 'right' }],
    ]),
    graph('Reconciler: findings and failed refunds', [
      [...metric('ReconciliationFindings'), { stat: 'Sum' }],
      [...metric('ReconciliationRefundFailures'), { stat: 'Sum' }],
    ]),
    graph(
      'Dead-letter and failure queues: messages waiting',
      [
        [
          {
            // Queues the stacks create are named <stack>-<LogicalId>-<suffix>; every DLQ or
            // failure destination here has DeadLetter or Failure in its logical id.
            expression: `SEARCH('{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" ${stage} (DeadLetter OR Failure OR Failures)', 'Maximum', ${PERIOD})`,
            id: 'dlqs',
            label: '',
          },
        ],
      ],
      { width: 24 },
    ),
  ].map((w, i) => ({
    ...w,
    width: w.properties.width ?? w.width,
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
  }));
}

/** The dashboard's body: a Fn::Sub of its JSON. */
function dashboardBody(stage) {
  const body = { widgets: widgets(stage) };
  for (const w of body.widgets) delete w.properties.width;
  return { 'Fn::Sub': JSON.stringify(body) };
}

/** Every custom metric name the dashboard reads (for the test). */
function dashboardMetricNames(stage = 'dev') {
  const names = new Set();
  for (const w of widgets(stage))
    for (const row of w.properties.metrics) if (row[0] === 'OrderPlatform') names.add(row[1]);
  return [...names].sort();
}

module.exports = { dashboardBody, dashboardMetricNames, widgets };
