import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoreInvoiceDocument } from '../domain/ports';

/** Puts the document under its fixed key (the bucket encrypts at rest by default). */
export function buildStoreInvoiceDocument(client: S3Client, bucket: string): StoreInvoiceDocument {
  return async (key, body, correlationId) => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json; charset=utf-8',
        Metadata: { 'correlation-id': correlationId },
      }),
    );
  };
}
