/**
 * Reads one segment's members in one sort order across its S shards: a k-way merge over S Queries
 * (the table for CLV, a member index for revenue or orders; ascending or descending). The cursor
 * records, per shard, the last key handed out (or that the shard is drained), so a page resumes
 * exactly where the previous one stopped: nothing skipped, nothing repeated.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PublishError } from './batch-writer.js';
import { MEMBER_SORT_INDEXES, memberPk } from './keys.js';

/** A cursor that is malformed or belongs to another segment, run or sort order. */
export class InvalidCursorError extends PublishError {
  override readonly name = 'InvalidCursorError';
}

export type MemberSort = 'clv' | 'revenue' | 'orders';
export type SortDirection = 'asc' | 'desc';

export interface MemberOrder {
  readonly sort: MemberSort;
  readonly direction: SortDirection;
}

/** Highest historic CLV first: the table's own order. */
export const DEFAULT_MEMBER_ORDER: MemberOrder = { sort: 'clv', direction: 'desc' };

/**
 * Where a shard stands: null = not started, 0 = drained, else the last item's SK (table order) or
 * [index sort key, SK] (index order).
 */
type ShardPosition = null | 0 | string | readonly [string, string];

interface CursorState {
  readonly v: 2;
  readonly r: string;
  readonly d: string;
  readonly s: string;
  readonly o: MemberSort;
  readonly a: SortDirection;
  readonly k: ShardPosition[];
}

export interface SegmentPage<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

interface ShardReader {
  buffer: Array<Record<string, unknown>>;
  /** False once the partition has been read to its end. */
  more: boolean;
  /** ExclusiveStartKey of the next Query (none: from the top). */
  startKey: Record<string, unknown> | undefined;
  last: ShardPosition;
}

export interface SegmentWhere {
  readonly runId: string;
  readonly dimension: string;
  readonly value: string;
  readonly shards: number;
}

/** Page of a segment's members (DynamoDB items), merged across shards in the requested order. */
export async function mergeSegmentPage(
  ddb: DynamoDBDocumentClient,
  table: string,
  where: SegmentWhere,
  page: {
    limit: number;
    cursor?: string;
    order?: MemberOrder;
    /** Stop the page early (after ≥ 1 item) before its items' total cost exceeds `bytes`. */
    budget?: { bytes: number; cost: (item: Record<string, unknown>) => number };
  },
): Promise<SegmentPage<Record<string, unknown>>> {
  const order = page.order ?? DEFAULT_MEMBER_ORDER;
  const index = order.sort === 'clv' ? undefined : MEMBER_SORT_INDEXES[order.sort];
  const sortAttribute = index?.sortKey ?? 'SK';
  const limit = Math.max(1, Math.floor(page.limit));
  // Members hash evenly over shards, so each shard gives about limit ÷ S items a page; reading twice that
  // (plus slack) keeps most pages to one Query per shard without reading S × limit items.
  // One more than a page can take from a shard, so a shard rarely ends a page with an empty buffer.
  const queryLimit = Math.min(limit, Math.ceil((2 * limit) / where.shards) + 8) + 1;
  const state = page.cursor ? decodeCursor(page.cursor, where, order) : undefined;
  const readers: ShardReader[] = Array.from({ length: where.shards }, (_, shard) => {
    const last = state ? (state.k[shard] ?? null) : null;
    const PK = memberPk(where.runId, where.dimension, where.value, shard);
    const startKey =
      typeof last === 'string'
        ? { PK, SK: last }
        : Array.isArray(last) && index
          ? { PK, SK: last[1], [index.sortKey]: last[0] }
          : undefined;
    return { buffer: [], more: last !== 0, startKey, last };
  });

  async function fill(shard: number, reader: ShardReader, Limit = queryLimit): Promise<void> {
    while (reader.buffer.length === 0 && reader.more) {
      const out = await ddb.send(
        new QueryCommand({
          TableName: table,
          IndexName: index?.indexName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': memberPk(where.runId, where.dimension, where.value, shard) },
          ScanIndexForward: order.direction === 'asc',
          Limit,
          ExclusiveStartKey: reader.startKey,
        }),
      );
      reader.buffer.push(...(out.Items ?? []));
      reader.startKey = out.LastEvaluatedKey;
      reader.more = out.LastEvaluatedKey !== undefined;
    }
  }

  // desc: take the largest head; asc: the smallest.
  const sign = order.direction === 'desc' ? 1 : -1;
  const items: Array<Record<string, unknown>> = [];
  let spent = 0;
  while (items.length < limit) {
    // Every shard that may still hold items must show its head before the best head is safe to take.
    await Promise.all(readers.map((reader, shard) => fill(shard, reader)));
    let best = -1;
    for (let i = 0; i < readers.length; i++) {
      const head = readers[i]?.buffer[0];
      const bestHead = readers[best]?.buffer[0];
      if (
        head &&
        (!bestHead || sign * compareBytes(String(head[sortAttribute]), String(bestHead[sortAttribute])) > 0)
      ) {
        best = i;
      }
    }
    const reader = readers[best];
    const item = reader?.buffer[0];
    if (!reader || !item) break;
    if (page.budget) {
      spent += page.budget.cost(item);
      if (items.length > 0 && spent > page.budget.bytes) break;
    }
    reader.buffer.shift();
    reader.last = index ? [String(item[sortAttribute]), String(item.SK)] : String(item.SK);
    items.push(item);
  }

  // A Query that stops at its Limit returns LastEvaluatedKey even when nothing follows; look ahead in
  // shards left empty so the last page says it is the last instead of leading to an empty one.
  // One item is enough to know; the next page reads it again from the cursor.
  await Promise.all(
    readers.map((reader, shard) => (reader.buffer.length === 0 ? fill(shard, reader, 1) : undefined)),
  );
  for (const reader of readers) if (reader.buffer.length === 0 && !reader.more) reader.last = 0;
  const k = readers.map((r) => r.last);
  if (k.every((x) => x === 0)) return { items };
  const cursor: CursorState = {
    v: 2,
    r: where.runId,
    d: where.dimension,
    s: where.value,
    o: order.sort,
    a: order.direction,
    k,
  };
  return { items, nextCursor: encodeCursor(cursor) };
}

/** DynamoDB orders string keys by UTF-8 bytes; JS `<` compares UTF-16 units, which differs above U+FFFF. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** Sort keys this store writes (keys.ts): a sortable amount or a 12-digit count, `#`, the id's key part. */
const AMOUNT_KEY = /^\d{17}#[\s\S]+$/;
const COUNT_KEY = /^\d{12}#[\s\S]+$/;

/**
 * A key this store could have written, so a tampered position can only move within the query's own
 * partitions (their PK is rebuilt from the query, never read from the cursor) and DynamoDB never
 * refuses it as a start key: well-formed UTF-16, within the 1,024-byte sort key limit.
 */
const isKey = (x: unknown, shape: RegExp): x is string =>
  typeof x === 'string' &&
  shape.test(x) &&
  Buffer.byteLength(x, 'utf8') <= 1024 &&
  Buffer.from(x, 'utf8').toString('utf8') === x;

const idOf = (key: string): string => key.slice(key.indexOf('#'));

const isPosition = (x: unknown, sort: MemberSort): x is ShardPosition =>
  x === null ||
  x === 0 ||
  (sort === 'clv' && isKey(x, AMOUNT_KEY)) ||
  (sort !== 'clv' &&
    Array.isArray(x) &&
    x.length === 2 &&
    isKey(x[0], sort === 'orders' ? COUNT_KEY : AMOUNT_KEY) &&
    isKey(x[1], AMOUNT_KEY) &&
    idOf(x[0]) === idOf(x[1]));

function decodeCursor(cursor: string, where: SegmentWhere, order: MemberOrder): CursorState {
  let state: CursorState;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
  } catch (cause) {
    throw new InvalidCursorError('The cursor is not one this API issued', { cause });
  }
  const valid =
    state?.v === 2 &&
    state.r === where.runId &&
    state.d === where.dimension &&
    state.s === where.value &&
    state.o === order.sort &&
    state.a === order.direction &&
    Array.isArray(state.k) &&
    state.k.length === where.shards &&
    state.k.every((x) => isPosition(x, order.sort));
  if (!valid) {
    throw new InvalidCursorError(
      'The cursor belongs to another segment, run or sort order, or is malformed; start again without it',
    );
  }
  return state;
}
