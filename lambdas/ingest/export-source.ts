/**
 * Where export files come from: `<prefix><yyyy-mm-dd>/<dataset>/<files>` in a bucket, a date being
 * complete once `<prefix><date>/_SUCCESS` exists (docs/exports.md). Files are streamed to local disk
 * and hashed on the way, so a Lambda never holds a whole export in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DATASETS, type Dataset } from './types.js';

/** Base class of export-source failures; `cause` carries the SDK error when there is one. */
export class ExportSourceError extends Error {
  override readonly name: string = 'ExportSourceError';
}

/** No complete export exists, or the requested date is not complete. */
export class NoCompleteExportError extends ExportSourceError {
  override readonly name = 'NoCompleteExportError';
}

/** One object could not be listed or downloaded; the message names the bucket and key. */
export class ExportDownloadError extends ExportSourceError {
  override readonly name = 'ExportDownloadError';
}

export interface ExportFile {
  readonly dataset: Dataset;
  readonly key: string;
  readonly bytes: number;
}

export interface ExportSource {
  /** Dates (`YYYY-MM-DD`) whose folder holds a `_SUCCESS` marker, ascending. */
  listCompleteDates(): Promise<string[]>;
  /** Data files under `<date>/<dataset>/`, by key; folder markers, `_`/`.` files and unknown folders skipped. */
  listFiles(date: string): Promise<ExportFile[]>;
  /** Keys under `<date>/` that are not data files nor the `_SUCCESS` marker (unknown datasets, stray files). */
  listIgnored(date: string): Promise<string[]>;
  /** Streams one object to `localPath`, returning its size and hex SHA-256. */
  download(key: string, localPath: string): Promise<{ bytes: number; sha256: string }>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SUCCESS = '_SUCCESS';
const DATE_CHECK_CONCURRENCY = 8;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isExportDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

/** The requested date when it is complete, else the newest complete date; throws NoCompleteExportError. */
export function newestCompleteDate(dates: readonly string[], requested?: string): string {
  const sorted = [...dates].sort();
  const newest = sorted.at(-1);
  if (requested !== undefined) {
    if (sorted.includes(requested)) return requested;
    throw new NoCompleteExportError(
      `Export ${requested} is not complete (no _SUCCESS marker) or does not exist; ` +
        `newest complete export: ${newest ?? 'none'}`,
    );
  }
  if (newest === undefined)
    throw new NoCompleteExportError('No complete export found (no <date>/_SUCCESS marker)');
  return newest;
}

interface Listing {
  readonly files: ExportFile[];
  readonly ignored: string[];
}

/** An ExportSource over `s3://bucket/<prefix>`. */
export function s3ExportSource(s3: S3Client, bucket: string, prefix = 'exports/'): ExportSource {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const where = (key: string): string => `s3://${bucket}/${key}`;

  async function listAll(
    listPrefix: string,
    delimiter?: string,
  ): Promise<{ keys: Array<{ key: string; bytes: number }>; prefixes: string[] }> {
    const keys: Array<{ key: string; bytes: number }> = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: listPrefix,
            Delimiter: delimiter,
            ContinuationToken: token,
          }),
        );
      } catch (cause) {
        throw new ExportDownloadError(`Cannot list ${where(listPrefix)}: ${describe(cause)}`, { cause });
      }
      for (const o of page.Contents ?? []) if (o.Key) keys.push({ key: o.Key, bytes: o.Size ?? 0 });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { keys, prefixes };
  }

  async function isComplete(date: string): Promise<boolean> {
    const marker = `${base}${date}/${SUCCESS}`;
    try {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: marker, MaxKeys: 1 }));
      return (page.Contents ?? []).some((o) => o.Key === marker);
    } catch (cause) {
      throw new ExportDownloadError(`Cannot check ${where(marker)}: ${describe(cause)}`, { cause });
    }
  }

  async function listing(date: string): Promise<Listing> {
    if (!isExportDate(date)) throw new ExportSourceError(`Not an export date (YYYY-MM-DD): ${date}`);
    const folder = `${base}${date}/`;
    const { keys } = await listAll(folder);
    const files: ExportFile[] = [];
    const ignored: string[] = [];
    for (const { key, bytes } of keys) {
      const rest = key.slice(folder.length);
      if (rest === SUCCESS || key.endsWith('/')) continue;
      const slash = rest.indexOf('/');
      const dataset = slash > 0 ? rest.slice(0, slash) : '';
      const name = rest.slice(rest.lastIndexOf('/') + 1);
      if (isDataset(dataset) && !name.startsWith('_') && !name.startsWith('.')) {
        files.push({ dataset, key, bytes });
      } else if (!(isDataset(dataset) && name === SUCCESS)) {
        ignored.push(key);
      }
    }
    files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { files, ignored: ignored.sort() };
  }

  return {
    async listCompleteDates(): Promise<string[]> {
      const { prefixes } = await listAll(base, '/');
      const dates = prefixes.map((p) => p.slice(base.length, -1)).filter(isExportDate);
      const complete: string[] = [];
      for (let i = 0; i < dates.length; i += DATE_CHECK_CONCURRENCY) {
        const chunk = dates.slice(i, i + DATE_CHECK_CONCURRENCY);
        const flags = await Promise.all(chunk.map(isComplete));
        chunk.forEach((d, j) => {
          if (flags[j]) complete.push(d);
        });
      }
      return complete.sort();
    },

    async listFiles(date: string): Promise<ExportFile[]> {
      return (await listing(date)).files;
    },

    async listIgnored(date: string): Promise<string[]> {
      return (await listing(date)).ignored;
    },

    async download(key: string, localPath: string): Promise<{ bytes: number; sha256: string }> {
      let body: unknown;
      let expected: number | undefined;
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = out.Body;
        expected = out.ContentLength;
      } catch (cause) {
        throw new ExportDownloadError(`Cannot download ${where(key)}: ${describe(cause)}`, { cause });
      }
      if (!(body instanceof Readable)) {
        throw new ExportDownloadError(
          `Cannot download ${where(key)}: the response has no Node.js stream body`,
        );
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, tap, createWriteStream(localPath));
      } catch (cause) {
        await rm(localPath, { force: true });
        throw new ExportDownloadError(
          `Download of ${where(key)} to ${localPath} failed: ${describe(cause)}`,
          {
            cause,
          },
        );
      }
      if (expected !== undefined && expected !== bytes) {
        await rm(localPath, { force: true });
        throw new ExportDownloadError(
          `Download of ${where(key)} truncated: got ${bytes} of ${expected} bytes`,
        );
      }
      return { bytes, sha256: hash.digest('hex') };
    },
  };
}

function isDataset(value: string): value is Dataset {
  return (DATASETS as readonly string[]).includes(value);
}

/** `Name: message` of an SDK or system error, for messages a user reads. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
