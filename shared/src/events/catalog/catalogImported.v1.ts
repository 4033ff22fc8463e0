/**
 * CatalogImported v1: a catalog CSV import finished (every chunk counted, the report
 * written under results/). Published once per job by the catalog service's finaliser;
 * `metadata.idempotencyKey` is the job id, so a consumer that sees it twice (the
 * finaliser died between publishing and recording it) can drop the repeat.
 */
import * as z from 'zod/mini';
import { defineEvent } from '../envelope';

export const CATALOG_SOURCE = 'order-platform.catalog';

const count = () => z.number().check(z.int(), z.nonnegative());

export const catalogImportedV1 = defineEvent(
  'CatalogImported',
  1,
  CATALOG_SOURCE,
  z.object({
    jobId: z.string().check(z.regex(/^[0-9a-f]{32}$/, 'must be a catalog import job id')),
    bucket: z.string().check(z.minLength(3)),
    key: z.string().check(z.minLength(1)),
    mode: z.enum(['full', 'delta']),
    counts: z.object({
      rows: count(),
      created: count(),
      updated: count(),
      unchanged: count(),
      rejected: count(),
      deactivated: count(),
      stockAdjustments: count(),
    }),
    chunks: count(),
    reportKey: z.string().check(z.startsWith('results/')),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime(),
  }),
);

export type CatalogImportedV1 = z.infer<typeof catalogImportedV1.data>;
