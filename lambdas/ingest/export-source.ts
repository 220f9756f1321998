/**
 * Where export files come from: `<prefix><yyyy-mm-dd>/<dataset>/<files>` in a bucket, a date being
 * complete once `<prefix><date>/_SUCCESS` exists (docs/exports.md). Files are streamed to local disk
 * and hashed on the way, so a Lambda never holds a whole export in memory.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { type FaultRecorder, ignoreFaults } from '../platform/fault-recorder.js';
import {
  DEFAULT_READ_RETRY,
  ReadGaveUpError,
  type ReadRetryPolicy,
  readObjectToFile,
  retryRead,
} from './s3-object-read.js';
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
  /** S3's entity tag as listed: changes whenever the object is rewritten, even to the same size. */
  readonly etag?: string;
}

export interface ExportSource {
  /** Dates (`YYYY-MM-DD`) whose folder holds a `_SUCCESS` marker, ascending. */
  listCompleteDates(): Promise<string[]>;
  /** Data files under `<date>/<dataset>/`, by key; folder markers, `_`/`.` files and unknown folders skipped. */
  listFiles(date: string): Promise<ExportFile[]>;
  /** Keys under `<date>/` that are not data files nor the `_SUCCESS` marker (unknown datasets, stray files). */
  listIgnored(date: string): Promise<string[]>;
  /**
   * Streams one object to `localPath`, returning its size and hex SHA-256; transient faults are retried.
   * An aborted `signal` stops it (between or during reads) with the signal's reason.
   */
  download(
    key: string,
    localPath: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ bytes: number; sha256: string }>;
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

/** How downloads ride out transient S3 faults; every field optional. */
export interface S3ExportSourceOptions {
  /** Where each retry is counted. @default ignoreFaults */
  readonly faults?: FaultRecorder;
  /** @default DEFAULT_READ_RETRY (5 reads, backoff 200 ms doubling to at most 5 s, 30 s idle timeout) */
  readonly retry?: Partial<ReadRetryPolicy>;
}

/**
 * An ExportSource over `s3://bucket/<prefix>`. Listings rely on the SDK's retries (a listing is read
 * whole inside them); a download is retried as a whole (ingest/s3-object-read), since a body can break
 * after the SDK has returned.
 */
export function s3ExportSource(
  s3: S3Client,
  bucket: string,
  prefix = 'exports/',
  options: S3ExportSourceOptions = {},
): ExportSource {
  const faults = options.faults ?? ignoreFaults;
  const retry: ReadRetryPolicy = { ...DEFAULT_READ_RETRY, ...options.retry };
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const where = (key: string): string => `s3://${bucket}/${key}`;

  async function listAll(
    listPrefix: string,
    delimiter?: string,
  ): Promise<{ keys: Array<{ key: string; bytes: number; etag?: string }>; prefixes: string[] }> {
    const keys: Array<{ key: string; bytes: number; etag?: string }> = [];
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
      for (const o of page.Contents ?? []) {
        if (o.Key) keys.push({ key: o.Key, bytes: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}) });
      }
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
    for (const { key, bytes, etag } of keys) {
      const rest = key.slice(folder.length);
      if (rest === SUCCESS || key.endsWith('/')) continue;
      const slash = rest.indexOf('/');
      const dataset = slash > 0 ? rest.slice(0, slash) : '';
      const name = rest.slice(rest.lastIndexOf('/') + 1);
      if (isDataset(dataset) && !name.startsWith('_') && !name.startsWith('.')) {
        files.push({ dataset, key, bytes, ...(etag ? { etag } : {}) });
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

    async download(key, localPath, { signal } = {}): Promise<{ bytes: number; sha256: string }> {
      try {
        return await retryRead(
          () => readObjectToFile(s3, bucket, key, localPath, retry.idleTimeoutMs, signal),
          retry,
          faults,
          signal,
        );
      } catch (error) {
        if (!(error instanceof ReadGaveUpError)) throw error; // cancelled by the caller
        const budget = error.kind
          ? `; still failing after ${error.attempts} reads (transient fault ${error.kind})`
          : '';
        throw new ExportDownloadError(`Cannot download ${where(key)}: ${describe(error.cause)}${budget}`, {
          cause: error.cause,
        });
      }
    },
  };
}

function isDataset(value: string): value is Dataset {
  return (DATASETS as readonly string[]).includes(value);
}

/** `Name: message (code)` of an SDK or system error, for messages a user reads. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    const code = (error as { code?: unknown }).code;
    return `${name}${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(error);
}
