/**
 * Deletes the items of one run, partition by partition, a Query page at a time (memory stays flat at a
 * million customers). Segment rows are the run's manifest (they name the member shards), so they go
 * last: a cleanup interrupted half way can simply be run again. `sweepRuns` decides, after a publish,
 * which runs' items to delete.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchWriter } from './batch-writer.js';
import { isConditionFailure } from './dynamo-errors.js';
import { keyOf } from './items.js';
import {
  ALL,
  customerKey,
  type ItemKey,
  memberPk,
  RUNS_PK,
  runIndexKey,
  runRecordKey,
  runSummaryKey,
  segmentHistoryKey,
  segmentsPk,
} from './keys.js';

export interface CleanupTarget {
  readonly runId: string;
  readonly exportDate: string;
  /** Dimensions to look in besides the ones the run's own record lists (and `_all`). */
  readonly dimensions: readonly string[];
  /** Also delete the run record and its run-index entry. */
  readonly withRecord: boolean;
}

/** Calls `onPage` with each page of a Query over one partition. */
export async function forEachPage(
  ddb: DynamoDBDocumentClient,
  table: string,
  pk: string,
  onPage: (items: Array<Record<string, unknown>>) => Promise<void>,
  options: { projection?: readonly string[]; newestFirst?: boolean } = {},
): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  const { projection } = options;
  const names = projection ? Object.fromEntries(projection.map((p, i) => [`#p${i}`, p])) : undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'PK', ...names },
        ExpressionAttributeValues: { ':pk': pk },
        ...(names ? { ProjectionExpression: Object.keys(names).join(', ') } : {}),
        ScanIndexForward: !options.newestFirst,
        ExclusiveStartKey: startKey,
      }),
    );
    await onPage(out.Items ?? []);
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

/** Deletes every item of the run that cleanup can find through its segment rows and `_all` members. */
export async function deleteRunItems(
  ddb: DynamoDBDocumentClient,
  table: string,
  writer: BatchWriter,
  target: CleanupTarget,
): Promise<void> {
  const { runId, exportDate } = target;
  const record = await ddb.send(new GetCommand({ TableName: table, Key: runRecordKey(runId) }));
  const recorded = Object.keys((record.Item?.dimensions as Record<string, number> | undefined) ?? {});
  const dimensions = [...new Set([ALL, ...recorded, ...target.dimensions])];

  const manifest: ItemKey[] = [];
  for (const dimension of dimensions) {
    const rows: Array<{ value: string; shards: number }> = [];
    await forEachPage(
      ddb,
      table,
      segmentsPk(runId, dimension),
      async (items) => {
        for (const item of items) {
          rows.push({ value: String(item.value), shards: Number(item.shards ?? 1) });
          manifest.push(keyOf(item), segmentHistoryKey(dimension, String(item.value), exportDate, runId));
        }
      },
      { projection: ['PK', 'SK', 'value', 'shards'] },
    );
    for (const { value, shards } of rows) {
      for (let shard = 0; shard < shards; shard++) {
        await forEachPage(
          ddb,
          table,
          memberPk(runId, dimension, value, shard),
          async (items) => {
            const keys = items.map(keyOf);
            // Every customer item has an `_all` member (writeCustomers writes those first).
            if (dimension === ALL) {
              for (const item of items) keys.push(customerKey(String(item.customerId), exportDate, runId));
            }
            await writer.delete(keys);
          },
          { projection: ['PK', 'SK', 'customerId'] },
        );
      }
    }
  }
  await writer.delete([...manifest, runSummaryKey(runId)]);
  if (target.withRecord) await writer.delete([runIndexKey(exportDate, runId), runRecordKey(runId)]);
}

/** Default of `abandonedAfterMs`: twice Lambda's 15-minute limit, so a live run is never taken for dead. */
export const DEFAULT_ABANDONED_AFTER_MS = 30 * 60_000;

export interface SweepTarget {
  /** The run just published (the pointer names it): never swept. */
  readonly current: { readonly runId: string; readonly exportDate: string };
  /** Dimensions to look in besides each swept run's own record (the current run's). */
  readonly dimensions: readonly string[];
  /** An unpublished run started less than this long before `now` may still be running: left alone. */
  readonly abandonedAfterMs: number;
  readonly now: Date;
}

/**
 * After `current` is published, removes the items of every run that can no longer become current, a
 * page of the run index at a time:
 * - published earlier attempts of the current run's export date (superseded): items, record and
 *   index entry are deleted;
 * - runs of any date that are not published (`failed`, or still `publishing` because the job was killed
 *   or timed out before it could record a failure), started at least `abandonedAfterMs` ago: their data
 *   items are deleted, their record and index entry kept so that /v1/runs still shows what happened.
 *   A run left `publishing` is marked `failed` (stage `publish`) with a message saying it was interrupted
 *   and cleaned up by `current`; the index entry gets `itemsRemovedBy` so later sweeps skip it.
 * Published runs of other dates are history and stay. Returns the ids of the runs whose items were removed.
 */
export async function sweepRuns(
  ddb: DynamoDBDocumentClient,
  table: string,
  writer: BatchWriter,
  target: SweepTarget,
): Promise<string[]> {
  const { current } = target;
  const removed: string[] = [];
  const projection = ['runId', 'exportDate', 'status', 'startedAt', 'itemsRemovedBy'];
  await forEachPage(
    ddb,
    table,
    RUNS_PK,
    async (entries) => {
      for (const entry of entries) {
        const run = { runId: String(entry.runId), exportDate: String(entry.exportDate) };
        if (run.runId === current.runId) continue;
        if (entry.status === 'published') {
          // Only older attempts: a newer one can only have published after us, and is now the current run.
          if (run.exportDate !== current.exportDate || run.runId > current.runId) continue;
          await deleteRunItems(ddb, table, writer, {
            ...run,
            dimensions: target.dimensions,
            withRecord: true,
          });
          removed.push(run.runId);
          continue;
        }
        const age = target.now.getTime() - Date.parse(String(entry.startedAt));
        if (entry.itemsRemovedBy !== undefined || !(age >= target.abandonedAfterMs)) continue;
        if (await abandon(ddb, table, writer, { ...run, status: String(entry.status) }, target)) {
          removed.push(run.runId);
        }
      }
    },
    { projection },
  );
  return removed;
}

/** Deletes an unpublished run's data items and marks its record; false when it turned out to be published. */
async function abandon(
  ddb: DynamoDBDocumentClient,
  table: string,
  writer: BatchWriter,
  run: { readonly runId: string; readonly exportDate: string; readonly status: string },
  target: SweepTarget,
): Promise<boolean> {
  const by = target.current.runId;
  const failure =
    run.status === 'publishing'
      ? {
          stage: 'publish',
          message: `Interrupted while publishing (no failure was recorded); its items were removed by run ${by}`,
        }
      : undefined;
  if (failure) {
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: runRecordKey(run.runId),
          UpdateExpression: 'SET #status = :failed, failure = :failure',
          ConditionExpression: '#status = :publishing',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':failure': failure,
            ':publishing': 'publishing',
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The record moved on since the index entry was read (or is gone): never touch a published run.
      const record = await ddb.send(new GetCommand({ TableName: table, Key: runRecordKey(run.runId) }));
      if (record.Item?.status === 'published') return false;
    }
  }
  await deleteRunItems(ddb, table, writer, { ...run, dimensions: target.dimensions, withRecord: false });
  await markItemsRemoved(ddb, table, run, by, failure);
  return true;
}

/** Notes on a run's index entry that its data items are gone (and, for an interrupted run, why it failed). */
export async function markItemsRemoved(
  ddb: DynamoDBDocumentClient,
  table: string,
  run: { readonly runId: string; readonly exportDate: string },
  by: string,
  failure?: { readonly stage: string; readonly message: string },
): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: runIndexKey(run.exportDate, run.runId),
        UpdateExpression: failure
          ? 'SET itemsRemovedBy = :by, #status = :failed, failure = :failure'
          : 'SET itemsRemovedBy = :by',
        ConditionExpression: 'attribute_exists(PK)',
        ...(failure ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: failure
          ? { ':by': by, ':failed': 'failed', ':failure': failure }
          : { ':by': by },
      }),
    );
  } catch (error) {
    // The entry expired (TTL) meanwhile: nothing left to mark.
    if (!isConditionFailure(error)) throw error;
  }
}
