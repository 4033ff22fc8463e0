/**
 * The catalog bucket: import files are read as a stream (never whole), manifests and
 * reports are written under their own prefixes, which the bucket's notification does not
 * watch, so nothing written here can start an import.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { manifestKeyOf, reportKeyOf, type Manifest } from '../domain/job';
import type { GetManifest, OpenImportFile, PutManifest, PutReport } from '../domain/ports';

/** S3 events carry the ETag bare, the API quoted: If-Match wants it quoted. */
const quoted = (etag: string) => (etag.startsWith('"') ? etag : `"${etag}"`);

export function buildOpenImportFile(s3: S3Client): OpenImportFile {
  return async (source) => {
    const out = await s3.send(
      // If-Match: this job reads the version its id was derived from, never a newer upload
      // (which has a job of its own).
      new GetObjectCommand({ Bucket: source.bucket, Key: source.key, IfMatch: quoted(source.etag) }),
    );
    return out.Body as Readable;
  };
}

const putJson = (s3: S3Client, bucket: string, key: string, body: unknown) =>
  s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(body, null, 1),
      ContentType: 'application/json',
    }),
  );

export function buildPutManifest(s3: S3Client, bucket: string): PutManifest {
  return async (jobId, manifest) => {
    await putJson(s3, bucket, manifestKeyOf(jobId), manifest);
  };
}

export function buildGetManifest(s3: S3Client, bucket: string): GetManifest {
  return async (jobId) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKeyOf(jobId) }));
    return JSON.parse(await out.Body!.transformToString()) as Manifest;
  };
}

export function buildPutReport(s3: S3Client, bucket: string): PutReport {
  return async (report) => {
    const key = reportKeyOf(report.jobId);
    await putJson(s3, bucket, key, report);
    return key;
  };
}
