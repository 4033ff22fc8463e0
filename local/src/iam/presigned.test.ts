import { describe, expect, it } from 'vitest';
import { presignedUrlExpired } from './gateway';

const url = (date: string, expires: number) =>
  `/bucket/products/EBOOK?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261204%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=abc&X-Amz-SignedHeaders=host`;

describe('presignedUrlExpired (the IAM gateway enforces X-Amz-Expires, moto does not)', () => {
  it('lets a presigned URL through until X-Amz-Date + X-Amz-Expires, refuses it after', () => {
    const signed = '20261204T120000Z';
    expect(presignedUrlExpired(url(signed, 5), new Date('2026-12-04T12:00:05.000Z'))).toBeUndefined();
    expect(presignedUrlExpired(url(signed, 5), new Date('2026-12-04T12:00:05.001Z'))).toBe(
      'expired at 2026-12-04T12:00:05.000Z',
    );
  });

  it('ignores requests that are not presigned', () => {
    expect(presignedUrlExpired('/bucket/key', new Date())).toBeUndefined();
    expect(presignedUrlExpired('/bucket/key?X-Amz-Date=20261204T120000Z', new Date())).toBeUndefined();
  });
});
