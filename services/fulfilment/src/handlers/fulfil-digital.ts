/**
 * Task: a digital line -> the download is granted once the product's file is found in
 * the fulfilment bucket. The link itself is presigned when the customer reads the order's
 * fulfilment (get-fulfilment.ts), so no long-lived link is ever stored. A product
 * without a file is an error: the line ends in this task's failure destination.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { awsClient } from '@order-platform/shared/aws';
import { requireEnv } from '@order-platform/shared/config';
import { withObservability } from '@order-platform/shared/observability';
import type { FindProductFile, FulfilmentStore } from '../domain/ports';
import { buildFindProductFile } from '../adapters/product-files';
import { store } from './deps';
import { taskHandler } from './task';

export class ProductFileMissingError extends Error {
  override name = 'ProductFileMissingError';
}

export function makeHandler(deps: { store: FulfilmentStore; findFile: FindProductFile; now?: () => Date }) {
  return taskHandler('digital', deps, async (line, now) => {
    const key = await deps.findFile(line.sku);
    if (!key) throw new ProductFileMissingError(`No file for the digital product ${line.sku}`);
    await deps.store.downloadReady(line, key, now);
  });
}

export const handler = withObservability(
  makeHandler({
    store: store(),
    findFile: buildFindProductFile(awsClient(S3Client), requireEnv('FULFILMENT_BUCKET_NAME')),
  }),
);
