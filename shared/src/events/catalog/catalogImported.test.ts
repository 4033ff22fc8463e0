import { describe, expect, it } from 'vitest';
import { UnsupportedEventVersionError } from '../../errors';
import { envelope, parseEnvelope } from '../envelope';
import { CATALOG_SOURCE, catalogImportedV1 } from './catalogImported.v1';
import { sampleCatalogImportedData } from './samples';

// The sample the catalog's producer and consumers share (./samples.ts).
const sample = sampleCatalogImportedData();

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
