/**
 * The results store: writes a run under its run id, publishes it by flipping the current-run pointer,
 * and removes superseded runs of the same export date and the debris of failed or interrupted runs.
 * Key design and protocol: docs/storage.md.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerMetrics, SegmentMetrics } from '../model/types.js';
import { messageOf } from '../platform/error-message.js';
import type { FaultRecorder } from '../platform/fault-recorder.js';
import { type BatchWriterOptions, type Item, makeBatchWriter, PublishError } from './batch-writer.js';
import { isConditionFailure } from './dynamo-errors.js';
import {
  customerItem,
  dimensionValue,
  memberItem,
  type RunScope,
  segmentHistoryItem,
  segmentItem,
} from './items.js';
import { ALL, POINTER_KEY, runIndexKey, runRecordKey, runSummaryKey, shardCount, shardOf } from './keys.js';
import { makeResultsReader, type ResultsReader } from './results-reader.js';
import { DEFAULT_ABANDONED_AFTER_MS, deleteRunItems, markItemsRemoved, sweepRuns } from './run-cleanup.js';
import type { RunRecord } from './types.js';

export type {
  CurrentRun,
  CustomerResult,
  MemberOrder,
  MemberResult,
  MemberSort,
  ResultsReader,
  RunRef,
  RunSummary,
  SegmentHistoryEntry,
  SegmentPage,
  SegmentResult,
  SortDirection,
} from './results-reader.js';
export { InvalidCursorError, InvalidRunIdError } from './results-reader.js';

/** The pointer refused to move: the run's export date (or attempt) is older than the current run's. */
export class StaleRunError extends PublishError {
  override readonly name = 'StaleRunError';
}

/** A failed or publishing record must not overwrite a run that is already published. */
export class RunAlreadyPublishedError extends PublishError {
  override readonly name = 'RunAlreadyPublishedError';
}

/** Dimension → segment value → number of member shards. */
export type ShardsBySegment = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface ResultsStoreOptions {
  /** Most members per shard of a segment (one partition absorbs ~1,000 WCU/s). @default 50_000 */
  readonly shardSize?: number;
  /** Retention used when a record is written without an explicit `expiresAt`. @default 400 */
  readonly retentionDays?: number;
  readonly batch?: BatchWriterOptions;
  /** Where the batch writer counts its retries (unless `batch.faults` is set). @default none */
  readonly faults?: FaultRecorder;
  /**
   * publishRun removes the items of unpublished runs (failed, or killed while publishing) only once they
   * started at least this long ago, so a run still in progress is never swept. @default 30 minutes
   */
  readonly abandonedAfterMs?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** What publishing did besides flipping the pointer. */
export interface PublishOutcome {
  readonly removedRuns: string[];
  /** Why removing older runs' items failed (they stay until the next publish sweeps them), or null. */
  readonly cleanupError: string | null;
}

export interface ResultsStore extends ResultsReader {
  /** Writes the run record and its run-index entry (status `publishing` or `failed`). */
  writeRunRecord(record: RunRecord, expiresAt?: number): Promise<void>;
  /** Writes customer items and segment members (every dimension plus `_all`); returns the shard counts. */
  writeCustomers(
    runId: string,
    exportDate: string,
    customers: readonly CustomerMetrics[],
    dimensions: readonly string[],
    expiresAt: number,
  ): Promise<ShardsBySegment>;
  /**
   * A sharded run's first write of its members (docs/scale.md): one manifest row per segment with its
   * member shard count, from the run's segment sizes (customers per dimension and value, `_all` included).
   */
  writeSegmentManifest(
    runId: string,
    exportDate: string,
    sizes: Readonly<Record<string, Readonly<Record<string, number>>>>,
    expiresAt: number,
  ): Promise<ShardsBySegment>;
  /** Writes some of a run's customers and their members, in the member shards the manifest fixed. */
  writeCustomerItems(
    runId: string,
    exportDate: string,
    customers: readonly CustomerMetrics[],
    dimensions: readonly string[],
    shards: ShardsBySegment,
    expiresAt: number,
  ): Promise<void>;
  /** Writes segment rows, segment-trend entries and the business summary. */
  writeSegments(
    runId: string,
    exportDate: string,
    segments: Readonly<Record<string, readonly SegmentMetrics[]>>,
    business: SegmentMetrics,
    shards: ShardsBySegment,
    expiresAt: number,
  ): Promise<void>;
  /**
   * Marks the run published and flips the pointer (StaleRunError if older); then deletes superseded
   * attempts of its date and the data items of every unpublished run of any date that started at least
   * `abandonedAfterMs` ago (see `sweepRuns`: a run killed while publishing is marked `failed`, its record
   * kept). `removedRuns` lists every run whose items were removed. A failing cleanup does not undo the
   * publish: it is reported in `cleanupError` and the next publish sweeps again.
   */
  publishRun(record: RunRecord, expiresAt?: number): Promise<PublishOutcome>;
}

/** A results store over one table (PK/SK strings, TTL attribute `expiresAt`). */
export function makeResultsStore(
  ddb: DynamoDBDocumentClient,
  table: string,
  options: ResultsStoreOptions = {},
): ResultsStore {
  const shardSize = options.shardSize ?? 50_000;
  const retentionDays = options.retentionDays ?? 400;
  const clock = options.clock ?? ((): Date => new Date());
  const abandonedAfterMs = options.abandonedAfterMs ?? DEFAULT_ABANDONED_AFTER_MS;
  const writer = makeBatchWriter(ddb, table, {
    ...options.batch,
    faults: options.batch?.faults ?? options.faults,
  });
  const reader = makeResultsReader(ddb, table);

  const expiryOf = (record: RunRecord): number =>
    Math.floor(Date.parse(record.startedAt) / 1000) + retentionDays * 86_400;

  async function putRecord(record: RunRecord, expiresAt: number, guard: boolean): Promise<void> {
    const scope = { expiresAt };
    const index: Item = {
      ...runIndexKey(record.exportDate, record.runId),
      type: 'run-index',
      runId: record.runId,
      exportDate: record.exportDate,
      status: record.status,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      customers: record.customers,
      failure: record.failure,
      ...scope,
    };
    const full: Item = { ...runRecordKey(record.runId), type: 'run', ...record, ...scope };
    const condition = guard
      ? {
          ConditionExpression: 'attribute_not_exists(PK) OR #status <> :published',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':published': 'published' },
        }
      : {};
    try {
      await ddb.send(new PutCommand({ TableName: table, Item: full, ...condition }));
    } catch (cause) {
      if (isConditionFailure(cause)) {
        throw new RunAlreadyPublishedError(`Run ${record.runId} is published; its record is not replaced`, {
          cause,
        });
      }
      throw new PublishError(`Cannot write the record of run ${record.runId}`, { cause });
    }
    await ddb.send(new PutCommand({ TableName: table, Item: index }));
  }

  const store: ResultsStore = {
    ...reader,

    async writeRunRecord(record: RunRecord, expiresAt?: number): Promise<void> {
      if (record.status === 'published') {
        throw new PublishError(`Run ${record.runId}: use publishRun to mark a run published`);
      }
      await putRecord(record, expiresAt ?? expiryOf(record), true);
    },

    async writeCustomers(runId, exportDate, customers, dimensions, expiresAt): Promise<ShardsBySegment> {
      const dims = [...new Set(dimensions)].filter((d) => d !== ALL);
      const counts = new Map<string, Map<string, number>>([[ALL, new Map([[ALL, customers.length]])]]);
      for (const d of dims) counts.set(d, new Map());
      const seen = new Set<string>();
      for (const customer of customers) {
        if (seen.has(customer.customerId)) {
          throw new PublishError(`Run ${runId}: customer ${customer.customerId} appears twice`);
        }
        seen.add(customer.customerId);
        for (const d of dims) {
          const byValue = counts.get(d) as Map<string, number>;
          const value = dimensionValue(customer, d);
          byValue.set(value, (byValue.get(value) ?? 0) + 1);
        }
      }
      const sizes = Object.fromEntries([...counts].map(([d, byValue]) => [d, Object.fromEntries(byValue)]));
      const shards = await store.writeSegmentManifest(runId, exportDate, sizes, expiresAt);
      await store.writeCustomerItems(runId, exportDate, customers, dims, shards, expiresAt);
      return shards;
    },

    async writeSegmentManifest(runId, exportDate, sizes, expiresAt): Promise<ShardsBySegment> {
      const scope: RunScope = { runId, exportDate, expiresAt };
      const shards: Record<string, Record<string, number>> = {};
      for (const [d, byValue] of Object.entries(sizes)) {
        shards[d] = Object.fromEntries(
          Object.entries(byValue).map(([v, n]) => [v, shardCount(n, shardSize)]),
        );
      }
      // Order matters for cleanup: manifest rows, then `_all` members, then everything else.
      await writer.put(
        Object.entries(shards).flatMap(([d, byValue]) =>
          Object.entries(byValue).map(([v, count]) => segmentItem(scope, d, v, count)),
        ),
      );
      return shards;
    },

    async writeCustomerItems(runId, exportDate, customers, dimensions, shards, expiresAt): Promise<void> {
      const scope: RunScope = { runId, exportDate, expiresAt };
      const dims = [...new Set(dimensions)].filter((d) => d !== ALL);
      const shardsOf = (d: string, v: string): number => {
        const count = shards[d]?.[v];
        if (count === undefined) {
          throw new PublishError(`Run ${runId}: segment ${d}=${v} is not in the run's segment manifest`);
        }
        return count;
      };
      const allShards = shardsOf(ALL, ALL);
      await writer.put(
        mapIter(customers, (c) => memberItem(scope, ALL, ALL, shardOf(c.customerId, allShards), c)),
      );
      await writer.put(
        flatIter(customers, (c) => [
          customerItem(scope, c),
          ...dims.map((d) => {
            const value = dimensionValue(c, d);
            return memberItem(scope, d, value, shardOf(c.customerId, shardsOf(d, value)), c);
          }),
        ]),
      );
    },

    async writeSegments(runId, exportDate, segments, business, shards, expiresAt): Promise<void> {
      const scope: RunScope = { runId, exportDate, expiresAt };
      const items: Item[] = [];
      const add = (dimension: string, metrics: SegmentMetrics): void => {
        const count = shards[dimension]?.[metrics.value];
        if (count === undefined && metrics.customers > 0) {
          throw new PublishError(
            `Run ${runId}: segment ${dimension}=${metrics.value} has ${metrics.customers} customers but no members ` +
              'were written (writeCustomers must see the same dimensions and values)',
          );
        }
        items.push(segmentItem(scope, dimension, metrics.value, count ?? 1, metrics));
        items.push(segmentHistoryItem(scope, { ...metrics, dimension }));
      };
      for (const [dimension, list] of Object.entries(segments)) for (const m of list) add(dimension, m);
      add(ALL, { ...business, dimension: ALL, value: ALL });
      items.push({ ...runSummaryKey(runId), type: 'summary', ...scope, ...business });
      await writer.put(items);
    },

    async publishRun(record: RunRecord, expiresAt?: number): Promise<PublishOutcome> {
      const expiry = expiresAt ?? expiryOf(record);
      const published: RunRecord = { ...record, status: 'published' };
      await putRecord(published, expiry, false);
      const publishedAt = (record.finishedAt ? new Date(record.finishedAt) : clock()).toISOString();
      const dimensions = Object.keys(record.dimensions);
      try {
        await ddb.send(
          new PutCommand({
            TableName: table,
            Item: {
              ...POINTER_KEY,
              type: 'pointer',
              runId: record.runId,
              exportDate: record.exportDate,
              publishedAt,
            },
            ConditionExpression:
              'attribute_not_exists(PK) OR exportDate < :date OR (exportDate = :date AND runId <= :run)',
            ExpressionAttributeValues: { ':date': record.exportDate, ':run': record.runId },
          }),
        );
      } catch (cause) {
        if (!isConditionFailure(cause))
          throw new PublishError(`Cannot move the pointer to ${record.runId}`, { cause });
        const current = await reader.currentRun();
        const message =
          `Run ${record.runId} (export ${record.exportDate}) is older than the current run ` +
          `${current?.runId ?? '?'} (export ${current?.exportDate ?? '?'}); the pointer was not moved`;
        await putRecord(
          { ...record, status: 'failed', failure: { stage: 'publish', message } },
          expiry,
          false,
        );
        await deleteRunItems(ddb, table, writer, { ...record, dimensions, withRecord: false });
        await markItemsRemoved(ddb, table, record, record.runId);
        throw new StaleRunError(message, { cause });
      }
      // The run is published now: a cleanup that fails leaves debris for the next run's sweep, no more.
      try {
        const removedRuns = await sweepRuns(ddb, table, writer, {
          current: record,
          dimensions,
          abandonedAfterMs,
          now: clock(),
        });
        return { removedRuns, cleanupError: null };
      } catch (error) {
        return { removedRuns: [], cleanupError: messageOf(error) };
      }
    },
  };
  return store;
}

function* mapIter<T, U>(values: Iterable<T>, f: (value: T) => U): Generator<U> {
  for (const value of values) yield f(value);
}

function* flatIter<T, U>(values: Iterable<T>, f: (value: T) => U[]): Generator<U> {
  for (const value of values) yield* f(value);
}
