/**
 * Deletes the items of one run, partition by partition, a Query page at a time (memory stays flat at a
 * million customers). Segment rows are the run's manifest (they name the member shards), so they go
 * last: a cleanup interrupted half way can simply be run again.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchWriter } from './batch-writer.js';
import { keyOf } from './items.js';
import {
  ALL,
  customerKey,
  type ItemKey,
  memberPk,
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
