import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
import { faultRecorder } from '../../lambdas/platform/fault-recorder.js';

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

/** No waiting in unit tests; the delays asked for are kept to check the backoff. */
function instantRetry(random = 0.5) {
  const sleeps: number[] = [];
  const faults = faultRecorder();
  const retry = {
    attempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    idleTimeoutMs: 50,
    random: () => random,
    sleep: async (ms: number) => void sleeps.push(ms),
  };
  return { sleeps, faults, options: { faults, retry } };
}

/** A body that sends `sent` and then fails like a reset socket (Node's IncomingMessage: "aborted", ECONNRESET). */
function resetAfter(sent: string): Readable {
  return new Readable({
    read(): void {
      this.push(Buffer.from(sent));
      this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('download', () => {
  it.each([
    ['NoSuchKey', 404],
    ['AccessDenied', 403],
  ])('names the key when S3 answers %s, without retrying', async (name, status) => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error(name, status));
    const { sleeps, faults, options } = instantRetry();

    // Act
    const result = s3ExportSource(s3, 'bkt', 'exports/', options).download(
      'exports/2026-01-01/orders/a.csv',
      join(dir, 'a.csv'),
    );

    // Assess
    await expect(result).rejects.toThrow(ExportDownloadError);
    await expect(result).rejects.toThrow(`s3://bkt/exports/2026-01-01/orders/a.csv: ${name}`);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(sleeps).toEqual([]);
    expect(faults.snapshot().retries).toBe(0);
  });

  it('reads the whole object again after a reset mid-file and hashes only the complete copy', async () => {
    // Prepare
    const content = 'order_id,customer_id\no1,c1\no2,c2\n';
    s3Mock
      .on(GetObjectCommand)
      .callsFakeOnce(() => ({
        Body: asBody(resetAfter(content.slice(0, 12))),
        ContentLength: content.length,
      }))
      .callsFake(() => ({
        Body: asBody(Readable.from([Buffer.from(content)])),
        ContentLength: content.length,
      }));
    const { sleeps, faults, options } = instantRetry(0.5);

    // Act
    const result = await s3ExportSource(s3, 'bkt', 'exports/', options).download('k.csv', join(dir, 'k.csv'));

    // Assess
    expect(result).toEqual({ bytes: content.length, sha256: sha256(content) });
    expect(await readFile(join(dir, 'k.csv'), 'utf8')).toBe(content);
    expect(faults.snapshot()).toEqual({ retries: 1, byKind: { 's3:ECONNRESET': 1 } });
    expect(sleeps).toEqual([50]); // 0.5 × min(1000, 100 · 2⁰)
  });

  it('retries what the SDK gave up on (SlowDown, InternalError) and counts each by kind', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(s3Error('InternalError', 500))
      .rejectsOnce(s3Error('SlowDown', 503))
      .callsFake(() => ({ Body: asBody(Readable.from([Buffer.from('abc')])), ContentLength: 3 }));
    const { sleeps, faults, options } = instantRetry(0.999);

    // Act
    const result = await s3ExportSource(s3, 'bkt', 'exports/', options).download('k.csv', join(dir, 'k.csv'));

    // Assess
    expect(result).toEqual({ bytes: 3, sha256: sha256('abc') });
    expect(faults.snapshot()).toEqual({ retries: 2, byKind: { 's3:InternalError': 1, 's3:SlowDown': 1 } });
    expect(sleeps).toEqual([99, 199]); // ⌊0.999 × 100⌋, ⌊0.999 × 200⌋: the ceiling doubles
  });

  it('gives up after the retry budget, naming the key and the fault, and leaves no partial file', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .callsFake(() => ({ Body: asBody(resetAfter('partial')), ContentLength: 100 }));
    const { sleeps, faults, options } = instantRetry();

    // Act
    const result = s3ExportSource(s3, 'bkt', 'exports/', options).download('k.csv', join(dir, 'k.csv'));

    // Assess
    await expect(result).rejects.toThrow(ExportDownloadError);
    await expect(result).rejects.toThrow(
      'Cannot download s3://bkt/k.csv: aborted (ECONNRESET); still failing after 3 reads (transient fault s3:ECONNRESET)',
    );
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 3);
    expect(faults.snapshot()).toEqual({ retries: 2, byKind: { 's3:ECONNRESET': 2 } });
    expect(sleeps).toHaveLength(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a body shorter than its Content-Length', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .callsFake(() => ({ Body: asBody(Readable.from([Buffer.from('abc')])), ContentLength: 10 }));
    const { faults, options } = instantRetry();

    // Act
    const result = s3ExportSource(s3, 'bkt', 'exports/', options).download('k.csv', join(dir, 'k.csv'));

    // Assess
    await expect(result).rejects.toThrow(
      /got 3 of 10 bytes; still failing after 3 reads \(transient fault s3:truncated\)/,
    );
    expect(faults.snapshot().byKind).toEqual({ 's3:truncated': 2 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('abandons a body that stops sending and reads it again', async () => {
    // Prepare: the first body sends 2 bytes, then nothing, ever.
    const silent = new Readable({ read(): void {} });
    silent.push(Buffer.from('ab'));
    s3Mock
      .on(GetObjectCommand)
      .callsFakeOnce(() => ({ Body: asBody(silent), ContentLength: 4 }))
      .callsFake(() => ({ Body: asBody(Readable.from([Buffer.from('abcd')])), ContentLength: 4 }));
    const { faults, options } = instantRetry(); // idle timeout 50 ms

    // Act
    const result = await s3ExportSource(s3, 'bkt', 'exports/', options).download('k.csv', join(dir, 'k.csv'));

    // Assess
    expect(result).toEqual({ bytes: 4, sha256: sha256('abcd') });
    expect(faults.snapshot().byKind).toEqual({ 's3:stalled': 1 });
    expect(silent.destroyed).toBe(true);
  });

  it('stops at once, without a retry, when the caller cancels during a read', async () => {
    // Prepare: a body that sends nothing; the caller cancels while it waits.
    s3Mock
      .on(GetObjectCommand)
      .callsFake(() => ({ Body: asBody(new Readable({ read(): void {} })), ContentLength: 4 }));
    const cancel = new AbortController();
    const reason = new Error('another file failed');
    const { sleeps, faults, options } = instantRetry();
    const source = s3ExportSource(s3, 'bkt', 'exports/', {
      ...options,
      retry: { ...options.retry, idleTimeoutMs: 60_000 },
    });

    // Act
    const result = source.download('k.csv', join(dir, 'k.csv'), { signal: cancel.signal });
    setTimeout(() => cancel.abort(reason), 10);

    // Assess
    await expect(result).rejects.toBe(reason);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(sleeps).toEqual([]);
    expect(faults.snapshot().retries).toBe(0);
    expect(await readdir(dir)).toEqual([]);
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
