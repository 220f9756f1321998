/**
 * BatchWriteItem in chunks of 25 with a bounded number of batches in flight. Unprocessed items and
 * throttled requests are retried with exponential backoff and full jitter, up to `maxAttempts`;
 * items are pulled lazily from an iterable so a million-customer run never builds all items at once.
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay } from '../platform/backoff.js';
import { type FaultRecorder, ignoreFaults } from '../platform/fault-recorder.js';
import type { ItemKey } from './keys.js';

/** Base class of results-table write failures. */
export class PublishError extends Error {
  override readonly name: string = 'PublishError';
}

/** Some items could still not be written (or deleted) after every attempt. */
export class BatchWriteError extends PublishError {
  override readonly name = 'BatchWriteError';
  constructor(
    readonly unprocessed: number,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`${unprocessed} item(s) left unprocessed after ${attempts} BatchWriteItem attempt(s)`, options);
  }
}

export interface BatchWriterOptions {
  /** Attempts per batch of 25, first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms; doubles per attempt (full jitter: a random delay below it). @default 50 */
  readonly baseDelayMs?: number;
  /** Cap of the backoff ceiling in ms. @default 5000 */
  readonly maxDelayMs?: number;
  /** Batches in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Injected for tests. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; returns [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Told about every retry: `dynamodb:UnprocessedItems` when a batch came back partly unprocessed,
   * `dynamodb:<error name>` when a whole BatchWriteItem call failed with a retryable error.
   * @default ignoreFaults
   */
  readonly faults?: FaultRecorder;
}

export type Item = ItemKey & Record<string, unknown>;

export interface BatchWriter {
  /** Puts every item (last wins when a key repeats within one batch); resolves to the number written. */
  put(items: Iterable<Item>): Promise<number>;
  /** Deletes every key; resolves to the number of keys sent. */
  delete(keys: Iterable<ItemKey>): Promise<number>;
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: ItemKey } };

const BATCH_SIZE = 25;
// Errors for which the same request may succeed later; the SDK retries them too, this is the outer bound.
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A writer over one table. */
export function makeBatchWriter(
  ddb: DynamoDBDocumentClient,
  table: string,
  options: BatchWriterOptions = {},
): BatchWriter {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const faults = options.faults ?? ignoreFaults;

  const backoff = (attempt: number): Promise<void> =>
    sleep(backoffDelay(attempt, { baseDelayMs, maxDelayMs, random }));

  async function writeBatch(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; ; attempt++) {
      let output: BatchWriteCommandOutput;
      try {
        output = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      } catch (cause) {
        if (!isRetryable(cause)) throw new PublishError(`BatchWriteItem on ${table} failed`, { cause });
        if (attempt >= maxAttempts) throw new BatchWriteError(pending.length, attempt, { cause });
        faults.retried(`dynamodb:${errorName(cause)}`);
        await backoff(attempt);
        continue;
      }
      const left = (output.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (left.length === 0) return;
      if (attempt >= maxAttempts) throw new BatchWriteError(left.length, attempt);
      pending = left;
      faults.retried('dynamodb:UnprocessedItems');
      await backoff(attempt);
    }
  }

  async function run(requests: Iterable<WriteRequest>): Promise<number> {
    const source = requests[Symbol.iterator]();
    let sent = 0;
    let failed = false;
    // Each worker pulls its next 25 synchronously from the shared iterator, so chunks never overlap.
    const nextChunk = (): WriteRequest[] => {
      const byKey = new Map<string, WriteRequest>();
      while (!failed && byKey.size < BATCH_SIZE) {
        const next = source.next();
        if (next.done) break;
        const key = 'PutRequest' in next.value ? next.value.PutRequest.Item : next.value.DeleteRequest.Key;
        byKey.set(`${key.PK}\u0000${key.SK}`, next.value);
      }
      return [...byKey.values()];
    };
    const worker = async (): Promise<void> => {
      for (let chunk = nextChunk(); chunk.length > 0; chunk = nextChunk()) {
        try {
          await writeBatch(chunk);
        } catch (error) {
          failed = true;
          throw error;
        }
        sent += chunk.length;
      }
    };
    const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    return sent;
  }

  return {
    put(items: Iterable<Item>): Promise<number> {
      return run(map(items, (Item) => ({ PutRequest: { Item } })));
    },
    delete(keys: Iterable<ItemKey>): Promise<number> {
      return run(map(keys, ({ PK, SK }) => ({ DeleteRequest: { Key: { PK, SK } } })));
    },
  };
}

function* map<T, U>(values: Iterable<T>, f: (value: T) => U): Generator<U> {
  for (const value of values) yield f(value);
}

/** The SDK's error name (`ThrottlingException`, …), or the HTTP status for an unnamed server error. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'UnknownError';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name && error.name !== 'Error' ? error.name : `HTTP${status ?? '?'}`;
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return (
    RETRYABLE.has(error.name) || meta.$retryable !== undefined || (meta.$metadata?.httpStatusCode ?? 0) >= 500
  );
}
