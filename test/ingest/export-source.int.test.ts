import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportDownloadError, s3ExportSource } from '../../lambdas/ingest/export-source.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

let aws: LocalAws;
const body = randomBytes(5 * 1024 * 1024);

beforeAll(async () => {
  aws = await startLocalAws('export-source-it');
  const put = (Key: string, Body: Buffer | string): Promise<unknown> =>
    aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key, Body }));
  await put('exports/2026-01-01/_SUCCESS', '');
  await put('exports/2026-01-01/orders/big.bin', body);
  await put('exports/2026-01-01/customers/c.csv', 'customer_id\n1\n');
  await put('exports/2026-01-01/refunds/r.csv', 'x\n');
  await put('exports/2026-01-03/_SUCCESS', '');
  await put('exports/2026-01-02/orders/o.csv', 'order_id\n'); // incomplete: no _SUCCESS
});
afterAll(async () => aws.close());

describe('s3ExportSource on s3rver', () => {
  it('lists complete dates and the files of one', async () => {
    // Prepare
    const source = s3ExportSource(aws.s3, aws.bucket);

    // Act
    const dates = await source.listCompleteDates();
    const files = await source.listFiles('2026-01-01');

    // Assess
    expect(dates).toEqual(['2026-01-01', '2026-01-03']);
    // A single-part upload's ETag is the quoted MD5 of its bytes
    const md5 = `"${createHash('md5').update(body).digest('hex')}"`;
    expect(files).toEqual([
      {
        dataset: 'customers',
        key: 'exports/2026-01-01/customers/c.csv',
        bytes: 14,
        etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      },
      { dataset: 'orders', key: 'exports/2026-01-01/orders/big.bin', bytes: body.length, etag: md5 },
    ]);
    expect(await source.listIgnored('2026-01-01')).toEqual(['exports/2026-01-01/refunds/r.csv']);
  });

  it('streams a 5 MB object to disk with the right SHA-256', async () => {
    // Prepare
    const path = join(aws.dir, 'big.bin');
    const expected = createHash('sha256').update(body).digest('hex');

    // Act
    const result = await s3ExportSource(aws.s3, aws.bucket).download(
      'exports/2026-01-01/orders/big.bin',
      path,
    );

    // Assess
    expect(result).toEqual({ bytes: body.length, sha256: expected });
    expect(
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    ).toBe(expected);
  });

  it('names a missing key', async () => {
    const missing = s3ExportSource(aws.s3, aws.bucket).download('exports/nope.csv', join(aws.dir, 'nope'));
    await expect(missing).rejects.toThrow(ExportDownloadError);
    await expect(missing).rejects.toThrow(`s3://${aws.bucket}/exports/nope.csv: NoSuchKey`);
  });
});
