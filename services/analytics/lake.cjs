// The data lake's layout, in one place: serverless.yml reads it for the Firehose prefixes
// and for the Glue tables' locations and partition projection, the template test checks
// they agree, and `npm run lake:query` reads the same layout locally.
//
// Both delivery streams partition with Firehose's dynamic partitioning (a JQ query per
// record), so the partition values come from the record itself: the envelope's source,
// detail-type and time for domain events, the receive time for clickstream events.

/** Partition keys, in path order: name -> { jq (metadata extraction), projection }. */
const datasets = {
  clickstream: {
    prefix: 'clickstream',
    table: 'clickstream',
    description: 'Clickstream events posted to POST /clickstream, one JSON line each',
    columns: [
      { Name: 'sessionId', Type: 'string' },
      { Name: 'receivedAt', Type: 'bigint', Comment: 'epoch ms, when API Gateway received the batch' },
      {
        Name: 'event',
        Type: 'struct<type:string,productId:string,step:string,orderId:string,occurredAt:string>',
      },
    ],
    keys: {
      dt: { jq: '(.receivedAt / 1000 | floor | strftime("%Y-%m-%d"))', type: 'date' },
      hour: { jq: '(.receivedAt / 1000 | floor | strftime("%H"))', type: 'hour' },
    },
  },
  events: {
    prefix: 'events',
    table: 'domain_events',
    description: 'Every domain event of the platform bus, as EventBridge delivered it, one JSON line each',
    // source and detail-type are partition keys (a column may not repeat them).
    columns: [
      { Name: 'id', Type: 'string' },
      { Name: 'time', Type: 'string' },
      { Name: 'account', Type: 'string' },
      { Name: 'region', Type: 'string' },
      { Name: 'detail', Type: 'string', Comment: 'the envelope {metadata, data} as JSON text' },
    ],
    keys: {
      source: { jq: '.source', type: 'injected' },
      type: { jq: '."detail-type"', type: 'injected' },
      dt: { jq: '(.time[0:10])', type: 'date' },
    },
  },
};

const ERRORS_PREFIX = 'errors';
// Partition projection needs a first day; Athena projects every day from it to NOW.
const FIRST_DAY = '2026-01-01';

function firehosePrefix(name) {
  const d = datasets[name];
  const parts = Object.keys(d.keys).map((k) => `${k}=!{partitionKeyFromQuery:${k}}`);
  return `${d.prefix}/${parts.join('/')}/`;
}

function errorPrefix(name) {
  return `${ERRORS_PREFIX}/${datasets[name].prefix}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;
}

function metadataQuery(name) {
  const d = datasets[name];
  return `{${Object.entries(d.keys)
    .map(([k, v]) => `${k}: ${v.jq}`)
    .join(', ')}}`;
}

/** The table's projection parameters, from the same keys as the Firehose prefix. */
function projection(name) {
  const d = datasets[name];
  const params = { 'projection.enabled': 'true' };
  for (const [k, v] of Object.entries(d.keys)) {
    if (v.type === 'date') {
      Object.assign(params, {
        [`projection.${k}.type`]: 'date',
        [`projection.${k}.format`]: 'yyyy-MM-dd',
        [`projection.${k}.range`]: `${FIRST_DAY},NOW`,
        [`projection.${k}.interval`]: '1',
        [`projection.${k}.interval.unit`]: 'DAYS',
      });
    } else if (v.type === 'hour') {
      Object.assign(params, {
        [`projection.${k}.type`]: 'integer',
        [`projection.${k}.range`]: '0,23',
        [`projection.${k}.digits`]: '2',
      });
    } else {
      // Sources and event types are open sets: a query names the ones it reads.
      params[`projection.${k}.type`] = 'injected';
    }
  }
  return params;
}

/** A path under the bucket, with `${key}` where projection puts each partition value. */
function storagePath(name) {
  const d = datasets[name];
  return `${d.prefix}/${Object.keys(d.keys)
    .map((k) => `${k}=\${${k}}`)
    .join('/')}/`;
}

/** `s3://<bucket>/<path>` as CloudFormation: the path is a Sub variable, so `${key}` stays literal. */
const inBucket = (path) => ({
  'Fn::Sub': ['s3://${Bucket}/${Path}', { Bucket: { Ref: 'LakeBucket' }, Path: path }],
});

/** Glue's TableInput of a dataset: JSON lines, gzip, partition projection (no crawler). */
function tableInput(name) {
  const d = datasets[name];
  return {
    Name: d.table,
    Description: d.description,
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: Object.keys(d.keys).map((k) => ({ Name: k, Type: 'string' })),
    Parameters: {
      classification: 'json',
      compressionType: 'gzip',
      ...projection(name),
      'storage.location.template': inBucket(storagePath(name)),
    },
    StorageDescriptor: {
      Location: inBucket(`${d.prefix}/`),
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      Compressed: true,
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
      Columns: d.columns,
    },
  };
}

function describe(name) {
  return {
    prefix: firehosePrefix(name),
    errorPrefix: errorPrefix(name),
    metadataQuery: metadataQuery(name),
    storagePath: storagePath(name),
    tableInput: tableInput(name),
  };
}

module.exports = {
  datasets,
  ERRORS_PREFIX,
  clickstream: describe('clickstream'),
  events: describe('events'),
};

// The workgroup's named queries: one .sql file each (the name is the file's), the SQL
// Athena runs and `npm run lake:query -- <name>` runs locally.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const QUERIES = {
  'daily-revenue': 'Revenue of confirmed orders per day and currency (OrderConfirmed)',
  'view-to-order-conversion': 'Sessions that viewed a product and the share that ended in a confirmed order',
  'refunds-per-day': 'Refunds per day and currency (RefundIssued)',
};
module.exports.queries = Object.fromEntries(
  Object.entries(QUERIES).map(([name, description]) => [
    name,
    { name, description, sql: readFileSync(join(__dirname, 'queries', `${name}.sql`), 'utf8') },
  ]),
);
