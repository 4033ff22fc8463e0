import { describe, expect, it } from 'vitest';
import { UnsupportedEventVersionError } from '../../errors';
import { envelope, parseEnvelope } from '../envelope';
import { CATALOG_SOURCE, catalogImportedV1 } from './catalogImported.v1';

const sample = {
  jobId: '0123456789abcdef0123456789abcdef',
  bucket: 'op-catalog-dev-123456789012-us-east-1',
  key: 'imports/full/catalog.csv',
  mode: 'full' as const,
  counts: {
    rows: 10,
    created: 7,
    updated: 1,
    unchanged: 1,
    rejected: 1,
    deactivated: 2,
    stockAdjustments: 5,
  },
  chunks: 1,
  reportKey: 'results/0123456789abcdef0123456789abcdef.json',
  startedAt: '2026-12-03T10:00:00.000Z',
  completedAt: '2026-12-03T10:00:02.000Z',
};

describe('CatalogImported v1 contract', () => {
  it('round-trips through the platform envelope, keyed by the job id', () => {
    const event = envelope(catalogImportedV1, sample, { correlationId: 'c-1', idempotencyKey: sample.jobId });
    expect(event.metadata).toMatchObject({
      eventType: 'CatalogImported',
      version: 1,
      source: CATALOG_SOURCE,
    });
    expect(parseEnvelope(JSON.parse(JSON.stringify(event)), [catalogImportedV1]).event.data).toEqual(sample);
  });

  it('refuses bad data and versions a consumer has not declared', () => {
    expect(() =>
      envelope(
        catalogImportedV1,
        { ...sample, reportKey: 'imports/x.json' },
        { correlationId: 'c', idempotencyKey: 'k' },
      ),
    ).toThrow();
    const v2 = envelope(catalogImportedV1, sample, { correlationId: 'c', idempotencyKey: 'k' });
    v2.metadata.version = 2;
    expect(() => parseEnvelope(v2, [catalogImportedV1])).toThrow(UnsupportedEventVersionError);
  });
});
