import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ExportDownloadError,
  NoCompleteExportError,
  newestCompleteDate,
  s3ExportSource,
} from '../../lambdas/ingest/export-source.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
let dir: string;

beforeEach(async () => {
  s3Mock.reset();
  dir = await mkdtemp(join(tmpdir(), 'export-source-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** In Node the SDK's body is an IncomingMessage, i.e. a Readable; that is all download() relies on. */
const asBody = (stream: Readable): GetObjectCommandOutput['Body'] =>
  stream as unknown as GetObjectCommandOutput['Body'];

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status } });
}

describe('download', () => {
  it.each([
    ['NoSuchKey', 404],
    ['AccessDenied', 403],
  ])('names the key when S3 answers %s', async (name, status) => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error(name, status));

    // Act
    const result = s3ExportSource(s3, 'bkt').download('exports/2026-01-01/orders/a.csv', join(dir, 'a.csv'));

    // Assess
    await expect(result).rejects.toThrow(ExportDownloadError);
    await expect(result).rejects.toThrow(`s3://bkt/exports/2026-01-01/orders/a.csv: ${name}`);
  });

  it('removes a partial file when the stream breaks', async () => {
    // Prepare
    const broken = new Readable({
      read(): void {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('socket hang up'));
      },
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: asBody(broken) });

    // Act
    const result = s3ExportSource(s3, 'bkt').download('k.csv', join(dir, 'k.csv'));

    // Assess
    await expect(result).rejects.toThrow(/Download of s3:\/\/bkt\/k.csv .* failed: socket hang up/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('detects a truncated body', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: asBody(Readable.from([Buffer.from('abc')])), ContentLength: 10 });
    await expect(s3ExportSource(s3, 'bkt').download('k.csv', join(dir, 'k.csv'))).rejects.toThrow(
      /got 3 of 10 bytes/,
    );
  });
});

describe('listing', () => {
  it('follows continuation tokens and sorts files from ignored keys', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'exports/2026-01-01/', ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't1',
        Contents: [
          { Key: 'exports/2026-01-01/_SUCCESS', Size: 0 },
          { Key: 'exports/2026-01-01/orders/', Size: 0 },
          { Key: 'exports/2026-01-01/orders/b.csv', Size: 20 },
        ],
      })
      .on(ListObjectsV2Command, { Prefix: 'exports/2026-01-01/', ContinuationToken: 't1' })
      .resolves({
        IsTruncated: false,
        Contents: [
          { Key: 'exports/2026-01-01/orders/a.csv', Size: 10 },
          { Key: 'exports/2026-01-01/orders/_SUCCESS', Size: 0 },
          { Key: 'exports/2026-01-01/customers/part-0.parquet', Size: 5 },
          { Key: 'exports/2026-01-01/returns/r.csv', Size: 5 },
          { Key: 'exports/2026-01-01/readme.txt', Size: 5 },
        ],
      });
    const source = s3ExportSource(s3, 'bkt');

    // Act
    const files = await source.listFiles('2026-01-01');
    const ignored = await source.listIgnored('2026-01-01');

    // Assess
    expect(files).toEqual([
      { dataset: 'customers', key: 'exports/2026-01-01/customers/part-0.parquet', bytes: 5 },
      { dataset: 'orders', key: 'exports/2026-01-01/orders/a.csv', bytes: 10 },
      { dataset: 'orders', key: 'exports/2026-01-01/orders/b.csv', bytes: 20 },
    ]);
    expect(ignored).toEqual(['exports/2026-01-01/readme.txt', 'exports/2026-01-01/returns/r.csv']);
  });

  it('lists complete dates only, ascending', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'exports/', Delimiter: '/' })
      .resolves({
        CommonPrefixes: [
          { Prefix: 'exports/2026-01-02/' },
          { Prefix: 'exports/2026-01-01/' },
          { Prefix: 'exports/tmp/' },
          { Prefix: 'exports/2026-02-30/' },
        ],
      })
      .on(ListObjectsV2Command, { Prefix: 'exports/2026-01-01/_SUCCESS' })
      .resolves({ Contents: [{ Key: 'exports/2026-01-01/_SUCCESS' }] })
      .on(ListObjectsV2Command, { Prefix: 'exports/2026-01-02/_SUCCESS' })
      .resolves({ Contents: [] });

    // Act / Assess
    await expect(s3ExportSource(s3, 'bkt').listCompleteDates()).resolves.toEqual(['2026-01-01']);
  });
});

describe('newestCompleteDate', () => {
  it('picks the requested date when complete, else the newest', () => {
    expect(newestCompleteDate(['2026-01-02', '2026-01-01'])).toBe('2026-01-02');
    expect(newestCompleteDate(['2026-01-02', '2026-01-01'], '2026-01-01')).toBe('2026-01-01');
  });

  it('explains what is missing', () => {
    expect(() => newestCompleteDate([])).toThrow(NoCompleteExportError);
    expect(() => newestCompleteDate(['2026-01-01'], '2026-01-05')).toThrow(
      'Export 2026-01-05 is not complete (no _SUCCESS marker) or does not exist; newest complete export: 2026-01-01',
    );
  });
});
