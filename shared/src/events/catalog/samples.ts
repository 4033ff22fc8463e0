/** The CatalogImported sample its producer's and consumers' tests share (see orders/samples.ts). */
import { envelope, type Envelope } from '../envelope';
import { catalogImportedV1, type CatalogImportedV1 } from './catalogImported.v1';

export function sampleCatalogImportedData(over: Partial<CatalogImportedV1> = {}): CatalogImportedV1 {
  return {
    jobId: '0123456789abcdef0123456789abcdef',
    bucket: 'op-catalog-dev-123456789012-us-east-1',
    key: 'imports/full/catalog.csv',
    mode: 'full',
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
    ...over,
  };
}

export function sampleCatalogImported(over: Partial<CatalogImportedV1> = {}): Envelope<CatalogImportedV1> {
  const data = sampleCatalogImportedData(over);
  return envelope(catalogImportedV1, data, {
    correlationId: 'c-1',
    idempotencyKey: data.jobId,
    occurredAt: data.completedAt,
  });
}
