import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PutExportObject } from '../domain/ports';

export function buildPutExportObject(client: S3Client, bucket: string): PutExportObject {
  return async (key, body) => {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
    );
  };
}
