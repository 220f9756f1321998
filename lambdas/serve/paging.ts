/**
 * Paging shared by every list route. The API's cursor wraps the position inside a list (a store cursor
 * or an offset) with the run it pages and a fingerprint of the query, so a page never switches runs
 * when the nightly job publishes mid-way, and a cursor cannot be replayed against another query.
 *
 * Cursors are not signed: anyone can decode one and compute a fingerprint. They are validated instead,
 * so an edited cursor reads nothing its query could not: here its shape and run id; in cursor-checks.ts and
 * run-resolution.ts that its run is one the query may read (published, and the `run` asked for); in the
 * store (segment-merge.ts, results-reader.ts) that its position is a key of this query's own partitions.
 */
import { createHash } from 'node:crypto';
import { RUN_ID } from './params.js';
import { BadRequestError } from './serve-errors.js';

/** What the Lambda response may hold of rows: 6 MB payload limit minus room for headers and envelope. */
export const PAGE_BUDGET_BYTES = 5_000_000;

export interface ApiCursor {
  /** Run the pages belong to; null for lists that span runs. */
  readonly runId: string | null;
  /** Position inside the list: a store cursor or an offset. */
  readonly position: string | number;
}

interface CursorEnvelope {
  readonly v: 1;
  readonly r: string | null;
  readonly q: string;
  readonly p: string | number;
}

/** A short hash of the route and the parameters that shape the list (not limit, cursor or format). */
export function queryFingerprint(route: string, shape: Readonly<Record<string, unknown>>): string {
  return createHash('sha256')
    .update(JSON.stringify([route, shape]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(cursor: ApiCursor, fingerprint: string): string {
  const envelope: CursorEnvelope = { v: 1, r: cursor.runId, q: fingerprint, p: cursor.position };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

const badCursor = (message: string): BadRequestError =>
  new BadRequestError([{ parameter: 'cursor', message }]);

/** Unpadded base64url, as encodeCursor writes it (Buffer's decoder would skip any other character). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The cursor's run and position; 400 when it is malformed or was issued for another query. */
export function decodeCursor(cursor: string, fingerprint: string): ApiCursor {
  const notIssued = (): BadRequestError =>
    badCursor('not a cursor this API issued; pass nextCursor back unchanged');
  if (!BASE64URL.test(cursor)) throw notIssued();
  let envelope: CursorEnvelope;
  try {
    envelope = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorEnvelope;
  } catch {
    throw notIssued();
  }
  const wellFormed =
    envelope?.v === 1 &&
    // A run id is a key part of every run-scoped read: only the shape the API issues gets that far.
    (envelope.r === null || (typeof envelope.r === 'string' && RUN_ID.test(envelope.r))) &&
    typeof envelope.q === 'string' &&
    (typeof envelope.p === 'string' || (Number.isSafeInteger(envelope.p) && (envelope.p as number) >= 0));
  if (!wellFormed) throw notIssued();
  if (envelope.q !== fingerprint) {
    throw badCursor('issued for other query parameters; keep every parameter but limit and format unchanged');
  }
  return { runId: envelope.r, position: envelope.p };
}

/**
 * An upper bound of the bytes a row adds to the Lambda response, where the body is a JSON string inside
 * the proxy result: escaping JSON text once more at most doubles it (only `\\` and `"` grow, to 2 bytes).
 */
export function rowCost(row: unknown): number {
  return 2 * Buffer.byteLength(JSON.stringify(row), 'utf8') + 2;
}

/** One page of an in-memory list from `offset`: at most `limit` rows and PAGE_BUDGET_BYTES (always ≥ 1 row). */
export function pageOf<T>(
  items: readonly T[],
  offset: number,
  limit: number,
  cost: (item: T) => number = rowCost,
): { items: T[]; nextOffset: number | null } {
  const out: T[] = [];
  let bytes = 0;
  for (let i = offset; i < items.length && out.length < limit; i++) {
    const item = items[i] as T;
    bytes += cost(item);
    if (out.length > 0 && bytes > PAGE_BUDGET_BYTES) break;
    out.push(item);
  }
  const next = offset + out.length;
  return { items: out, nextOffset: next < items.length ? next : null };
}
