import { describe, expect, it } from 'vitest';
import { duckTypeOf, viewOf } from './lake-query';

describe('Glue tables as DuckDB views', () => {
  it('maps Glue (Hive) column types, nested ones included', () => {
    expect(duckTypeOf('string')).toBe('VARCHAR');
    expect(duckTypeOf('bigint')).toBe('BIGINT');
    expect(duckTypeOf('struct<type:string,n:int,tags:array<string>>')).toBe(
      'STRUCT("type" VARCHAR, "n" INTEGER, "tags" VARCHAR[])',
    );
    expect(() => duckTypeOf('map<string,string>')).toThrow(/no DuckDB equivalent/);
  });

  it('reads gzipped JSON lines with Hive partitions as strings, or is empty with the table’s shape', () => {
    // Prepare
    const table = {
      Name: 'clickstream',
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      Parameters: { compressionType: 'gzip' },
      StorageDescriptor: { Columns: [{ Name: 'sessionId', Type: 'string' }] },
    };

    // Act
    const reading = viewOf(table, '/tmp/x', true);
    const empty = viewOf(table, '/tmp/x', false);

    // Assess
    expect(reading).toContain("read_json('/tmp/x/**/*.gz'");
    expect(reading).toContain('hive_partitioning = true, hive_types_autocast = false');
    expect(reading).toContain("columns = {'sessionId': 'VARCHAR'}");
    expect(empty).toBe(
      'CREATE OR REPLACE VIEW "clickstream" AS SELECT CAST(NULL AS VARCHAR) AS "sessionId", CAST(NULL AS VARCHAR) AS "dt" WHERE false',
    );
  });
});
