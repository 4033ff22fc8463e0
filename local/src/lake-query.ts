/**
 * The data lake's local query path (`npm run lake:query -- <named-query>`): the Athena
 * workgroup's named query, as the running platform holds it (moto's Athena), run by DuckDB
 * over the lake's objects (moto's S3) described by the Glue tables (moto's Glue).
 *
 * For each table of the query's database: its objects under the table's location are
 * copied to a scratch folder (same keys, so `dt=…/hour=…` stay Hive partitions), and a
 * DuckDB view of the table's name reads them as JSON lines with the Glue columns' types and
 * the partition keys as strings (as the table declares them). Athena's JSON function
 * `json_extract_scalar` is a DuckDB macro over `json_extract_string`. Why DuckDB, and what
 * it cannot run that Athena can: local/README.md (Data lake).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AthenaClient, GetNamedQueryCommand, ListNamedQueriesCommand } from '@aws-sdk/client-athena';
import { GetTablesCommand, GlueClient, type Table } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface LakeTarget {
  /** moto's URL (the local runner's engines.moto). */
  endpoint: string;
  /** The Athena workgroup whose named queries are run. */
  workGroup: string;
  region?: string;
}

export interface NamedQuery {
  name: string;
  database: string;
  sql: string;
  description?: string;
}

/** Glue (Hive) column type -> DuckDB type. */
export function duckTypeOf(glue: string): string {
  const t = glue.trim();
  const struct = /^struct<(.*)>$/i.exec(t);
  if (struct)
    return `STRUCT(${splitTopLevel(struct[1]!)
      .map((f) => {
        const i = f.indexOf(':');
        return `"${f.slice(0, i).trim()}" ${duckTypeOf(f.slice(i + 1))}`;
      })
      .join(', ')})`;
  const array = /^array<(.*)>$/i.exec(t);
  if (array) return `${duckTypeOf(array[1]!)}[]`;
  const scalar: Record<string, string> = {
    string: 'VARCHAR',
    varchar: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    smallint: 'SMALLINT',
    double: 'DOUBLE',
    float: 'FLOAT',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
  };
  const found = scalar[t.toLowerCase()];
  if (!found) throw new Error(`Glue type ${glue} has no DuckDB equivalent here`);
  return found;
}

/** Splits `a:string,b:struct<c:int,d:int>` at the top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '<') depth++;
    else if (s[i] === '>') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter((x) => x.trim());
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The DuckDB statement that makes a Glue table a view over its copied objects. */
export function viewOf(table: Table, folder: string, hasFiles: boolean): string {
  const columns = table.StorageDescriptor?.Columns ?? [];
  const partitions = table.PartitionKeys ?? [];
  const name = `"${table.Name!}"`;
  if (!hasFiles) {
    // No object yet: an empty relation with the table's shape.
    const cols = [...columns, ...partitions].map(
      (c) => `CAST(NULL AS ${duckTypeOf(c.Type ?? 'string')}) AS "${c.Name}"`,
    );
    return `CREATE OR REPLACE VIEW ${name} AS SELECT ${cols.join(', ')} WHERE false`;
  }
  const spec = columns
    .map((c) => `${sqlString(c.Name!)}: ${sqlString(duckTypeOf(c.Type ?? 'string'))}`)
    .join(', ');
  const compressed = table.StorageDescriptor?.Compressed || table.Parameters?.compressionType === 'gzip';
  return (
    `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_json(${sqlString(join(folder, '**', compressed ? '*.gz' : '*'))}, ` +
    `format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, ` +
    `union_by_name = true, columns = {${spec}})`
  );
}

/** `s3://bucket/prefix/` -> its parts. */
function s3Location(location: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!m) throw new Error(`not an S3 location: ${location}`);
  return { bucket: m[1]!, prefix: m[2]! };
}

export async function namedQueries(target: LakeTarget): Promise<NamedQuery[]> {
  const athena = new AthenaClient(clientConfig(target));
  const ids =
    (await athena.send(new ListNamedQueriesCommand({ WorkGroup: target.workGroup }))).NamedQueryIds ?? [];
  const found: NamedQuery[] = [];
  // One GetNamedQuery each (moto has no BatchGetNamedQuery).
  for (const id of ids) {
    const q = (await athena.send(new GetNamedQueryCommand({ NamedQueryId: id }))).NamedQuery!;
    found.push({
      name: q.Name!,
      database: q.Database!,
      sql: q.QueryString!,
      ...(q.Description ? { description: q.Description } : {}),
    });
  }
  return found;
}

function clientConfig(target: LakeTarget) {
  return {
    endpoint: target.endpoint,
    region: target.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    forcePathStyle: true,
  };
}

/** Copies a table's objects to `folder` (keys below the location keep their paths). */
async function copyObjects(s3: S3Client, location: string, folder: string): Promise<number> {
  const { bucket, prefix } = s3Location(location);
  let token: string | undefined;
  let n = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))
      ).Body!.transformToByteArray();
      const file = join(folder, o.Key!.slice(prefix.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      n++;
    }
    token = page.NextContinuationToken;
  } while (token);
  return n;
}

export interface QueryResult {
  query: NamedQuery;
  columns: string[];
  rows: Record<string, unknown>[];
  objects: Record<string, number>;
}

/** Runs one named query of the workgroup over the lake as it is now. */
export async function runNamedQuery(target: LakeTarget, name: string): Promise<QueryResult> {
  const queries = await namedQueries(target);
  const query = queries.find((q) => q.name === name);
  if (!query)
    throw new Error(
      `workgroup ${target.workGroup} has no named query ${name} (it has: ${queries.map((q) => q.name).join(', ') || 'none'})`,
    );
  const glue = new GlueClient(clientConfig(target));
  const s3 = new S3Client(clientConfig(target));
  const tables = (await glue.send(new GetTablesCommand({ DatabaseName: query.database }))).TableList ?? [];
  const scratch = mkdtempSync(join(tmpdir(), 'lake-query-'));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    // Athena (Trino) names DuckDB spells differently.
    await connection.run(`CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)`);
    const objects: Record<string, number> = {};
    for (const table of tables) {
      const folder = join(scratch, table.Name!);
      mkdirSync(folder, { recursive: true });
      const n = await copyObjects(s3, table.StorageDescriptor!.Location!, folder);
      objects[table.Name!] = n;
      await connection.run(viewOf(table, folder, n > 0));
    }
    const reader = await connection.runAndReadAll(query.sql);
    return {
      query,
      columns: reader.columnNames(),
      rows: reader.getRowObjectsJson() as Record<string, unknown>[],
      objects,
    };
  } finally {
    connection.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
}
