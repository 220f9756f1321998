/**
 * Reads one segment's members in descending CLV across its S shards: a k-way merge over S descending
 * Queries. The cursor records, per shard, the last sort key handed out (or that the shard is drained),
 * so a page resumes exactly where the previous one stopped: nothing skipped, nothing repeated.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PublishError } from './batch-writer.js';
import { memberPk } from './keys.js';

/** A cursor that is malformed or belongs to another segment or run. */
export class InvalidCursorError extends PublishError {
  override readonly name = 'InvalidCursorError';
}

interface CursorState {
  readonly v: 1;
  readonly r: string;
  readonly d: string;
  readonly s: string;
  /** Per shard: last sort key handed out, null = not started, 0 = drained. */
  readonly k: Array<string | null | 0>;
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
  /** The last sort key handed out, or the state carried in. */
  last: string | null | 0;
}

/** Page of a segment's members (DynamoDB items), merged across shards by sort key, descending. */
export async function mergeSegmentPage(
  ddb: DynamoDBDocumentClient,
  table: string,
  where: { runId: string; dimension: string; value: string; shards: number },
  page: { limit: number; cursor?: string },
): Promise<SegmentPage<Record<string, unknown>>> {
  const limit = Math.max(1, Math.floor(page.limit));
  const state = page.cursor ? decodeCursor(page.cursor, where) : undefined;
  const readers: ShardReader[] = Array.from({ length: where.shards }, (_, shard) => {
    const last = state ? (state.k[shard] ?? null) : null;
    const PK = memberPk(where.runId, where.dimension, where.value, shard);
    const startKey = typeof last === 'string' ? { PK, SK: last } : undefined;
    return { buffer: [], more: last !== 0, startKey, last };
  });

  async function fill(shard: number, reader: ShardReader): Promise<void> {
    while (reader.buffer.length === 0 && reader.more) {
      const out = await ddb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': memberPk(where.runId, where.dimension, where.value, shard) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: reader.startKey,
        }),
      );
      reader.buffer.push(...(out.Items ?? []));
      reader.startKey = out.LastEvaluatedKey;
      reader.more = out.LastEvaluatedKey !== undefined;
    }
  }

  const items: Array<Record<string, unknown>> = [];
  while (items.length < limit) {
    // Every shard that may still hold items must show its head before the largest head is safe to take.
    await Promise.all(readers.map((reader, shard) => fill(shard, reader)));
    let best = -1;
    for (let i = 0; i < readers.length; i++) {
      const head = readers[i]?.buffer[0];
      const bestHead = readers[best]?.buffer[0];
      if (head && (!bestHead || compareBytes(String(head.SK), String(bestHead.SK)) > 0)) best = i;
    }
    const reader = readers[best];
    const item = reader?.buffer.shift();
    if (!reader || !item) break;
    reader.last = String(item.SK);
    items.push(item);
  }

  for (const reader of readers) if (reader.buffer.length === 0 && !reader.more) reader.last = 0;
  const k = readers.map((r) => r.last);
  if (k.every((x) => x === 0)) return { items };
  return { items, nextCursor: encodeCursor({ v: 1, r: where.runId, d: where.dimension, s: where.value, k }) };
}

/** DynamoDB orders string keys by UTF-8 bytes; JS `<` compares UTF-16 units, which differs above U+FFFF. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

function decodeCursor(
  cursor: string,
  where: { runId: string; dimension: string; value: string; shards: number },
): CursorState {
  let state: CursorState;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
  } catch (cause) {
    throw new InvalidCursorError('The cursor is not one this API issued', { cause });
  }
  const valid =
    state?.v === 1 &&
    state.r === where.runId &&
    state.d === where.dimension &&
    state.s === where.value &&
    Array.isArray(state.k) &&
    state.k.length === where.shards &&
    state.k.every((x) => x === null || x === 0 || typeof x === 'string');
  if (!valid) throw new InvalidCursorError('The cursor belongs to another segment or run, or is malformed');
  return state;
}
