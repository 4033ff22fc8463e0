/** The digital products' files in the fulfilment bucket (`products/<sku>`) and their download links. */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FindProductFile, PresignDownload } from '../domain/ports';

export const productKey = (sku: string) => `products/${sku}`;

/** HeadObject (s3:GetObject): the key when the file is there, undefined when it is not. */
export function buildFindProductFile(s3: S3Client, bucket: string): FindProductFile {
  return async (sku) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: productKey(sku) }));
      return productKey(sku);
    } catch (e) {
      if ((e as Error).name === 'NotFound' || (e as Error).name === 'NoSuchKey') return undefined;
      throw e;
    }
  };
}

/** A presigned GET URL, signed with this function's own credentials (its role must allow s3:GetObject). */
export function buildPresignDownload(s3: S3Client, bucket: string): PresignDownload {
  return (key, ttlSeconds) =>
    getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds });
}
