/**
 * Reading one S3 object to a local file, retried as a whole. The SDK retries a request only until its response headers arrive (500, 503
 * SlowDown, resets before the headers): a body that breaks afterwards, or the faults left once the SDK's
 * own attempts are spent, reach the caller. This loop retries the whole read of one object with
 * exponential backoff and full jitter, and records each retry in the run's FaultRecorder.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { backoffDelay } from '../platform/backoff.js';
import type { FaultRecorder } from '../platform/fault-recorder.js';

export interface ReadRetryPolicy {
  /**
   * Reads of one object, the first included. Five reads of one file, each with the SDK's own attempts
   * inside, ride out a few seconds of S3 throttling without keeping a doomed run alive for long.
   * @default 5
   */
  readonly attempts: number;
  /** Backoff before the first retry, at most: it doubles at each retry. @default 200 */
  readonly baseDelayMs: number;
  /** No backoff is longer (a sleep is at most 0.2, 0.4, 0.8, 1.6 s with the defaults). @default 5000 */
  readonly maxDelayMs: number;
  /** A body that sends no byte for this long is abandoned and read again (a stalled connection). @default 30000 */
  readonly idleTimeoutMs: number;
  /** Waits `ms`, or rejects with the signal's reason once it is aborted. @default a timer */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random: () => number;
}

export const DEFAULT_READ_RETRY: ReadRetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  idleTimeoutMs: 30_000,
  sleep: abortableSleep,
  random: Math.random,
};

/** A body that ended early or went silent: worth another read. */
export class BrokenBodyError extends Error {
  override readonly name = 'BrokenBodyError';
  constructor(
    readonly fault: 'truncated' | 'stalled',
    message: string,
  ) {
    super(message);
  }
}

// Faults that another read can cure. Anything else (NoSuchKey, AccessDenied, a full disk…) fails at once.
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NAMES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TimeoutError',
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * The kind a transient fault is recorded under, `s3:<S3 error code | network error code | condition>`
 * (`s3:SlowDown`, `s3:InternalError`, `s3:ECONNRESET`, `s3:truncated`, `s3:stalled`), or null when
 * retrying cannot help.
 */
export function transientFaultKind(error: unknown): string | null {
  if (error instanceof BrokenBodyError) return `s3:${error.fault}`;
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return `s3:${e.code}`;
  if (typeof e?.name === 'string' && TRANSIENT_NAMES.has(e.name)) return `s3:${e.name}`;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return `s3:HTTP${status}`;
  // The SDK's response checksum validation (on in AWS) reports a body corrupted on the way.
  if (typeof e?.message === 'string' && e.message.startsWith('Checksum mismatch'))
    return 's3:ChecksumMismatch';
  return null;
}

/** The last error of a read that was given up, with how many reads were made. */
export class ReadGaveUpError extends Error {
  override readonly name = 'ReadGaveUpError';
  constructor(
    readonly attempts: number,
    /** The kind of the last fault when it was transient (the retry budget ran out), else null. */
    readonly kind: string | null,
    cause: unknown,
  ) {
    super(`gave up after ${attempts} read(s)`, { cause });
  }
}

/**
 * Runs `read` until it succeeds, a fault is not transient, or `policy.attempts` reads were made; throws
 * ReadGaveUpError carrying the last error. An aborted `signal` stops the loop at once with its reason.
 */
export async function retryRead<T>(
  read: () => Promise<T>,
  policy: ReadRetryPolicy,
  faults: FaultRecorder,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await read();
    } catch (error) {
      signal?.throwIfAborted();
      const kind = transientFaultKind(error);
      if (kind === null || attempt >= policy.attempts) throw new ReadGaveUpError(attempt, kind, error);
      faults.retried(kind);
      await policy.sleep(backoffDelay(attempt, policy), signal);
    }
  }
}

/**
 * One read of an object into `localPath`, hashed on the way. Each read starts the file and the hash
 * afresh, so a retried download is exactly one version of the object; a partial file is removed. A
 * watchdog abandons the read when the body sends no byte for `idleTimeoutMs` (a stalled connection).
 */
export async function readObjectToFile(
  s3: S3Client,
  bucket: string,
  key: string,
  localPath: string,
  idleTimeoutMs: number,
  cancel?: AbortSignal,
): Promise<{ bytes: number; sha256: string }> {
  const abort = new AbortController();
  const stalled = new BrokenBodyError('stalled', `no data received for ${idleTimeoutMs} ms`);
  let watchdog: NodeJS.Timeout | undefined;
  const rearm = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => abort.abort(stalled), idleTimeoutMs);
  };
  const onCancel = (): void => abort.abort(cancel?.reason);
  cancel?.addEventListener('abort', onCancel, { once: true });
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: abort.signal,
    });
    // Watched from the headers on: before them the SDK may rightly hold the request back (adaptive
    // retry's client-side rate limiting after a SlowDown), and it has its own timeouts for connecting.
    rearm();
    if (!(out.Body instanceof Readable)) {
      throw new Error('the response has no Node.js stream body');
    }
    const tap = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
        rearm();
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(out.Body, tap, createWriteStream(localPath), { signal: abort.signal });
    if (out.ContentLength !== undefined && out.ContentLength !== bytes) {
      throw new BrokenBodyError('truncated', `truncated: got ${bytes} of ${out.ContentLength} bytes`);
    }
    return { bytes, sha256: hash.digest('hex') };
  } catch (error) {
    await rm(localPath, { force: true });
    // An aborted read reports why it was aborted (stalled, or cancelled by the caller), not "AbortError".
    throw abort.signal.aborted ? abort.signal.reason : error;
  } finally {
    clearTimeout(watchdog);
    cancel?.removeEventListener('abort', onCancel);
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
