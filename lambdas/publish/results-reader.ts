/**
 * Read side of the results store. Readers resolve the current-run pointer (or take a run id from it);
 * history reads keep only published runs (the newest per export date), so a half-written or refused
 * run is never visible even before its items are cleaned up or expire.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerMetrics, SegmentMetrics } from '../model/types.js';
import { PublishError } from './batch-writer.js';
import { type FlatCustomerMetrics, stripKeys } from './items.js';
import {
  customerKey,
  customerPk,
  POINTER_KEY,
  RUNS_PK,
  runRecordKey,
  segmentHistoryPk,
  segmentKey,
  segmentsPk,
} from './keys.js';
import { forEachPage } from './run-cleanup.js';
import { InvalidCursorError, type MemberOrder, mergeSegmentPage, type SegmentPage } from './segment-merge.js';
import type { RunRecord, RunStatus } from './types.js';

export type { MemberOrder, MemberSort, SegmentPage, SortDirection } from './segment-merge.js';
export { InvalidCursorError } from './segment-merge.js';

/** A run id that does not start with its export date (`<YYYY-MM-DD>T...`). */
export class InvalidRunIdError extends PublishError {
  override readonly name = 'InvalidRunIdError';
}

export interface RunRef {
  readonly runId: string;
  readonly exportDate: string;
}

export interface CurrentRun extends RunRef {
  readonly publishedAt: string;
}

/** A run-index entry (`RUNS` partition): what history reads need to know about every run. */
export interface RunSummary extends RunRef {
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly customers: number;
  readonly failure: { readonly stage: string; readonly message: string } | null;
}

export type CustomerResult = CustomerMetrics & RunRef & { readonly attributesTruncated: boolean };
export type SegmentResult = SegmentMetrics & RunRef & { readonly shards: number };
export type SegmentHistoryEntry = SegmentMetrics & RunRef;
export type MemberResult = FlatCustomerMetrics & RunRef;

export interface ResultsReader {
  /** The published run readers should use, or null before the first publish. */
  currentRun(): Promise<CurrentRun | null>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** Run records of every status, newest export date (then attempt) first; at most 100 a page. */
  listRuns(limit: number, cursor?: string): Promise<SegmentPage<RunRecord>>;
  /** One customer in one run; a bare run id is `<exportDate>T...` (see RunRecord.runId). */
  customer(customerId: string, run: string | RunRef): Promise<CustomerResult | null>;
  /** The customer in every published run still retained, newest first. */
  customerHistory(customerId: string): Promise<CustomerResult[]>;
  /** Every segment of one dimension in a run (`_all` for the business). */
  segments(runId: string, dimension: string): Promise<SegmentResult[]>;
  /**
   * Members of one segment in one order (default: historic CLV, descending); pass `nextCursor` back,
   * with the same order, for the next page. Null when the run has no such segment.
   */
  segmentCustomers(
    runId: string,
    dimension: string,
    value: string,
    page: {
      limit: number;
      cursor?: string;
      order?: MemberOrder;
      /** Stops the page early (after ≥ 1 member) before the members' total cost exceeds `bytes`. */
      budget?: { bytes: number; cost: (member: MemberResult) => number };
    },
  ): Promise<SegmentPage<MemberResult> | null>;
  /** The segment in every published run still retained, newest first. */
  segmentHistory(dimension: string, value: string): Promise<SegmentHistoryEntry[]>;
}

const MAX_RUNS_PAGE = 100;
const EXPORT_DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})T/;

/** The read side over one table. */
export function makeResultsReader(ddb: DynamoDBDocumentClient, table: string): ResultsReader {
  const get = async (key: { PK: string; SK: string }): Promise<Record<string, unknown> | undefined> =>
    (await ddb.send(new GetCommand({ TableName: table, Key: key }))).Item;

  const all = async (pk: string, newestFirst = false): Promise<Array<Record<string, unknown>>> => {
    const items: Array<Record<string, unknown>> = [];
    await forEachPage(ddb, table, pk, async (page) => void items.push(...page), { newestFirst });
    return items;
  };

  /** Ids of the runs history may show: published, and the newest such attempt of each export date. */
  const visibleRuns = async (): Promise<Set<string>> => {
    const newestByDate = new Map<string, string>();
    for (const entry of await all(RUNS_PK)) {
      if (entry.status !== 'published') continue;
      const date = String(entry.exportDate);
      const runId = String(entry.runId);
      const seen = newestByDate.get(date);
      if (seen === undefined || runId > seen) newestByDate.set(date, runId);
    }
    return new Set(newestByDate.values());
  };

  return {
    async currentRun(): Promise<CurrentRun | null> {
      const item = await get(POINTER_KEY);
      return item
        ? {
            runId: String(item.runId),
            exportDate: String(item.exportDate),
            publishedAt: String(item.publishedAt),
          }
        : null;
    },

    async getRun(runId: string): Promise<RunRecord | null> {
      const item = await get(runRecordKey(runId));
      return item ? stripKeys<RunRecord>(item) : null;
    },

    async listRuns(limit: number, cursor?: string): Promise<SegmentPage<RunRecord>> {
      const pageSize = Math.min(MAX_RUNS_PAGE, Math.max(1, Math.floor(limit)));
      const out = await ddb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': RUNS_PK },
          ScanIndexForward: false,
          Limit: pageSize + 1,
          ExclusiveStartKey: cursor ? decodeRunsCursor(cursor) : undefined,
        }),
      );
      // One entry more than the page tells whether another page exists (LastEvaluatedKey alone does not).
      const entries = (out.Items ?? []).slice(0, pageSize);
      const more =
        (out.Items ?? []).length > pageSize || (entries.length < pageSize && !!out.LastEvaluatedKey);
      // The index entries are lean (history reads scan them); a page of runs hydrates the full records.
      const records = await Promise.all(entries.map((i) => get(runRecordKey(String(i.runId)))));
      const items = records.filter((r) => r !== undefined).map((r) => stripKeys<RunRecord>(r));
      const last = entries.at(-1);
      return more && last
        ? { items, nextCursor: Buffer.from(String(last.SK), 'utf8').toString('base64url') }
        : { items };
    },

    async customer(customerId: string, run: string | RunRef): Promise<CustomerResult | null> {
      const ref = typeof run === 'string' ? refOf(run) : run;
      const item = await get(customerKey(customerId, ref.exportDate, ref.runId));
      return item ? stripKeys<CustomerResult>(item) : null;
    },

    async customerHistory(customerId: string): Promise<CustomerResult[]> {
      const [items, visible] = await Promise.all([all(customerPk(customerId), true), visibleRuns()]);
      return items.filter((i) => visible.has(String(i.runId))).map((i) => stripKeys<CustomerResult>(i));
    },

    async segments(runId: string, dimension: string): Promise<SegmentResult[]> {
      return (await all(segmentsPk(runId, dimension))).map((i) =>
        stripKeys<SegmentResult & { complete?: boolean }>(i),
      );
    },

    async segmentCustomers(runId, dimension, value, page): Promise<SegmentPage<MemberResult> | null> {
      const row = await get(segmentKey(runId, dimension, value));
      if (!row) return null;
      const shards = Number(row.shards ?? 1);
      const { budget } = page;
      const result = await mergeSegmentPage(
        ddb,
        table,
        { runId, dimension, value, shards },
        {
          ...page,
          budget: budget && {
            bytes: budget.bytes,
            cost: (item) => budget.cost(stripKeys<MemberResult>(item)),
          },
        },
      );
      const items = result.items.map((i) => stripKeys<MemberResult>(i));
      return result.nextCursor ? { items, nextCursor: result.nextCursor } : { items };
    },

    async segmentHistory(dimension: string, value: string): Promise<SegmentHistoryEntry[]> {
      const [items, visible] = await Promise.all([
        all(segmentHistoryPk(dimension, value), true),
        visibleRuns(),
      ]);
      return items.filter((i) => visible.has(String(i.runId))).map((i) => stripKeys<SegmentHistoryEntry>(i));
    },
  };
}

function refOf(runId: string): RunRef {
  const match = EXPORT_DATE_PREFIX.exec(runId);
  if (!match?.[1]) throw new InvalidRunIdError(`Not a run id (<exportDate>T...): ${runId}`);
  return { runId, exportDate: match[1] };
}

function decodeRunsCursor(cursor: string): Record<string, unknown> {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  // Exactly a run-index sort key (`<exportDate>#<runId>`), so DynamoDB never refuses it as a start key.
  if (!/^(\d{4}-\d{2}-\d{2})#\1T[0-9A-Za-z]{1,32}$/.test(sk)) {
    throw new InvalidCursorError('The cursor is not one this API issued');
  }
  return { PK: RUNS_PK, SK: sk };
}
